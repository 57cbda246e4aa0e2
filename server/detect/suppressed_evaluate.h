#pragma once
// Engine::evaluate with indicators an investigator allow-listed left out
// before scoring (the store's active suppressions, docs/CONSOLE.md
// "Suppressions"): an approved AnyDesk moves neither the score nor the level.
#include <string>
#include <vector>

#include "server/detect/engine.h"

namespace telltale::detect {

telltale::v1::Verdict evaluate_suppressing(const Engine& engine, const telltale::v1::Snapshot& snapshot,
                                           const DeviceContext& ctx, const std::vector<std::string>& suppressed);

}  // namespace telltale::detect
