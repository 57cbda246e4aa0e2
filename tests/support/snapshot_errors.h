#pragma once
// Snapshot.errors as one string, for assertion messages: a failing
// "no errors expected" check shows which path said what.
#include <string>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::testing {

inline std::string errors_of(const telltale::v1::Snapshot& s) {
  std::string all;
  for (const auto& e : s.errors()) all += e.probe() + " " + e.path() + ": " + e.message() + "\n";
  return all;
}

}  // namespace telltale::testing
