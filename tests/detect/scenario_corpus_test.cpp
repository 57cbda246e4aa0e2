// Runs every scenario in tests/scenarios through the engine: each must reach
// its expected level and show (or not show) the named indicators. Prints the
// detection rate (kvm, remote_far and remote_unknown scenarios at suspicious
// or above) and the false-positive rate (benign ones at suspicious or above).
// remote_near and vm scenarios are checked for their level but count in
// neither rate: a nearby session or a VM is a question, not a finding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "detect/detect_test_support.h"
#include "server/detect/engine.h"

namespace telltale::detect {
namespace {

using testing::scenarios_dir;
using testing::slurp;

struct Expected {
  std::string cls, level;
  std::vector<std::string> must, must_not;
};

Expected parse_expected(const std::string& text) {
  Expected e;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    std::string key = line.substr(0, colon), value = line.substr(colon + 1);
    std::istringstream words(value);
    std::vector<std::string> list;
    for (std::string w; words >> w;) list.push_back(w);
    if (key == "class") e.cls = list.at(0);
    else if (key == "level") e.level = list.at(0);
    else if (key == "must") e.must = list;
    else if (key == "must_not") e.must_not = list;
  }
  return e;
}

bool has(const telltale::v1::Verdict& v, const std::string& id) {
  return std::any_of(v.indicators().begin(), v.indicators().end(), [&](const auto& i) { return i.id() == id; });
}

TEST(ScenarioCorpus, EveryScenarioReachesItsExpectedLevel_AndRatesHold) {
  Engine engine;
  std::vector<std::filesystem::path> dirs;
  for (const auto& e : std::filesystem::directory_iterator(scenarios_dir()))
    if (std::filesystem::exists(e.path() / "expected.txt")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  ASSERT_GE(dirs.size(), 30u) << "the corpus must hold at least 30 scenarios";

  std::map<std::string, std::pair<int, int>> by_class;  // class -> {at or above suspicious, total}
  int benign_flagged = 0, benign = 0, attacks_caught = 0, attacks = 0;
  for (const auto& dir : dirs) {
    std::string name = dir.filename().string();
    SCOPED_TRACE(name);
    Expected want = parse_expected(slurp(dir / "expected.txt"));
    auto snap = testing::load_scenario_snapshot(name);
    std::vector<Assignment> assignments;
    DeviceContext ctx;
    ctx.device_id = name;
    if (std::filesystem::exists(dir / "assignment.csv")) {
      assignments = load_assignments_csv(dir / "assignment.csv");
      ASSERT_EQ(assignments.size(), 1u);
      ctx.assignment = &assignments[0];
    }
    auto v = engine.evaluate(snap, ctx);
    int rank = level_rank(v.level());
    bool flagged = rank >= level_rank("suspicious");
    std::printf("%-40s %-11s %-12s score %6.1f  (expected %s)\n", name.c_str(), want.cls.c_str(), v.level().c_str(),
                v.score(), want.level.c_str());
    EXPECT_EQ(v.level(), want.level) << render_text(v);
    for (const auto& id : want.must) EXPECT_TRUE(has(v, id)) << "missing " << id << "\n" << render_text(v);
    for (const auto& id : want.must_not) EXPECT_FALSE(has(v, id)) << "unexpected " << id << "\n" << render_text(v);
    auto& c = by_class[want.cls];
    c.second++;
    if (flagged) c.first++;
    if (want.cls == "benign") {
      ++benign;
      if (flagged) ++benign_flagged;
      EXPECT_FALSE(flagged) << "benign scenario reached " << v.level() << "\n" << render_text(v);
    } else if (want.cls == "kvm" || want.cls == "remote_far" || want.cls == "remote_unknown") {
      ++attacks;
      if (flagged) ++attacks_caught;
      if (want.cls == "kvm") {
        EXPECT_TRUE(flagged) << "KVM scenario stayed at " << v.level() << "\n" << render_text(v);
      }
    }
  }
  for (const auto& [cls, n] : by_class)
    std::printf("class %-11s %d of %d at suspicious or above\n", cls.c_str(), n.first, n.second);
  std::printf("detection rate %.1f%% (%d of %d KVM and remote-control scenarios), false-positive rate %.1f%% (%d of %d benign)\n",
              100.0 * attacks_caught / std::max(1, attacks), attacks_caught, attacks,
              100.0 * benign_flagged / std::max(1, benign), benign_flagged, benign);
  EXPECT_GT(attacks, 0);
  EXPECT_GT(benign, 0);
}

}  // namespace
}  // namespace telltale::detect
