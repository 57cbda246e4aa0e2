// The fleet rule for presence checks answered in turn by one person, against
// simulated rounds: a farm operator who works through the laptops one after
// another, and independent employees who each answer when they notice.
//
// The people are modelled from what the check asks (rules_presence_fleet.cpp):
//   - noticing the prompt: log-normal, median 8 s (spread factor e^0.9), at
//     most 110 s (later is a no-answer, which this rule never sees);
//   - busy with the action: reaction task 8-18 s (five trials at random
//     1.5-4 s intervals), lid 2.5-6 s (close, wait, open), key press 0.1-0.4 s;
//   - the operator: notices the first laptop like anyone (median 5 s), then
//     3-20 s from one laptop's end to the next one's first answer (switch the
//     KVM channel or browser tab, read the prompt).
// Seeds are fixed, so the counts below are exact for this model and the rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "server/detect/engine.h"

namespace telltale::detect {
namespace {

constexpr int64_t kRound = 1764666000000;  // 2025-12-02 09:00 UTC

struct People {
  std::mt19937_64 rng;
  explicit People(uint64_t seed) : rng(seed) {}
  int64_t uniform_ms(double lo_s, double hi_s) {
    return static_cast<int64_t>(std::uniform_real_distribution<double>(lo_s, hi_s)(rng) * 1000);
  }
  int64_t notice_ms(double median_s, double sigma) {
    const double s = std::exp(std::log(median_s) + sigma * std::normal_distribution<double>(0, 1)(rng));
    return static_cast<int64_t>(std::min(110.0, s) * 1000);
  }
  int64_t busy_ms(const std::string& action) {
    if (action == "reaction") return uniform_ms(8, 18);
    if (action == "lid") return uniform_ms(2.5, 6);
    return uniform_ms(0.1, 0.4);
  }
};

FleetDevice laptop(int i) {
  FleetDevice d;
  d.device_id = "dev-" + std::to_string(100 + i);
  d.assignee = "employee" + std::to_string(i) + "@example.com";
  return d;
}

PresenceAnswer answer(const std::string& id, const std::string& action, int64_t delivered, int64_t start, int64_t busy) {
  return {id, action, delivered, start, start + busy};
}

// Laptops [from, to) answered by one operator, all asked at `at`.
void operator_round(std::vector<FleetDevice>& fleet, int from, int to, int64_t at, const std::string& action,
                    People& p) {
  int64_t t = at + p.notice_ms(5, 0.5);
  for (int i = from; i < to; ++i) {
    const int64_t busy = p.busy_ms(action);
    fleet[i].presence_answers.push_back(
        answer("chk-" + std::to_string(at) + "-" + std::to_string(i), action, at, t, busy));
    t += busy + p.uniform_ms(3, 20);
  }
}

// Laptops [from, to) answered by their own employees, all asked at `at`.
void independent_round(std::vector<FleetDevice>& fleet, int from, int to, int64_t at, const std::string& action,
                       People& p) {
  for (int i = from; i < to; ++i)
    fleet[i].presence_answers.push_back(answer("chk-" + std::to_string(at) + "-" + std::to_string(i), action, at,
                                               at + p.notice_ms(8, 0.9), p.busy_ms(action)));
}

std::vector<FleetDevice> fleet_of(int n) {
  std::vector<FleetDevice> fleet;
  for (int i = 0; i < n; ++i) fleet.push_back(laptop(i));
  return fleet;
}

std::vector<telltale::v1::Cluster> sequences(const std::vector<FleetDevice>& fleet) {
  std::vector<telltale::v1::Cluster> out;
  for (auto& c : Engine().correlate(fleet))
    if (c.kind() == "answered_in_sequence") out.push_back(c);
  return out;
}

TEST(PresenceFleetRules, OneOperatorAnsweringFourLaptopsInTurn_IsOneClusterWithTheChain) {
  auto fleet = fleet_of(4);
  // Hand-written so the evidence text can be read back exactly.
  const int64_t at = kRound;
  fleet[0].presence_answers.push_back(answer("chk-a", "reaction", at, at + 4000, 12000));    // 4-16 s
  fleet[1].presence_answers.push_back(answer("chk-b", "reaction", at, at + 25000, 11000));   // 25-36 s
  fleet[2].presence_answers.push_back(answer("chk-c", "reaction", at, at + 44000, 13000));   // 44-57 s
  fleet[3].presence_answers.push_back(answer("chk-d", "reaction", at, at + 63000, 12500));   // 63-75.5 s
  const auto found = sequences(fleet);
  ASSERT_EQ(found.size(), 1u);
  const auto& c = found[0];
  EXPECT_EQ(c.id(), "answered_in_sequence:chk-a");
  EXPECT_EQ(c.members_size(), 4);
  EXPECT_EQ(c.first_seen_unix_ms(), at);
  EXPECT_EQ(c.last_seen_unix_ms(), at + 75500);
  std::vector<std::string> facts;
  for (const auto& f : c.evidence()) facts.push_back(f.key() + " = " + f.value());
  EXPECT_NE(std::find(facts.begin(), facts.end(), "devices = 4 laptops of 4 assignees"), facts.end());
  EXPECT_NE(std::find(facts.begin(), facts.end(),
                      "round 2025-12-02 09:00:00 UTC (4 of 4 answers in a row) = dev-100 reaction 12.0 s after "
                      "waiting 4.0 s; dev-101 reaction 11.0 s after waiting 25.0 s; dev-102 reaction 13.0 s after "
                      "waiting 44.0 s; dev-103 reaction 12.5 s after waiting 63.0 s"),
            facts.end())
      << ::testing::PrintToString(facts);

  // The device's verdict names it.
  telltale::v1::Snapshot snap;
  snap.set_collected_at_unix_ms(at + 80000);
  DeviceContext ctx;
  ctx.device_id = "dev-102";
  ctx.clusters = Engine::clusters_of(Engine().correlate(fleet), "dev-102");
  const auto verdict = Engine().evaluate(snap, ctx);
  bool named = false;
  for (const auto& i : verdict.indicators()) named |= i.id() == "fleet.answered_in_sequence";
  EXPECT_TRUE(named);
}

TEST(PresenceFleetRules, OverlappingAnswers_AreNoChain) {
  auto fleet = fleet_of(3);
  const int64_t at = kRound;
  // The second begins before the first is done: two people.
  fleet[0].presence_answers.push_back(answer("chk-a", "reaction", at, at + 4000, 12000));
  fleet[1].presence_answers.push_back(answer("chk-b", "reaction", at, at + 10000, 12000));
  fleet[2].presence_answers.push_back(answer("chk-c", "reaction", at, at + 30000, 12000));
  EXPECT_TRUE(sequences(fleet).empty());
}

TEST(PresenceFleetRules, ALaptopAskedOnlyAfterThePreviousAnswer_DidNotWait_NoChain) {
  auto fleet = fleet_of(3);
  // Checks started one by one, each after the previous answer came in: the
  // order is the investigator's, not the answerer's.
  fleet[0].presence_answers.push_back(answer("chk-a", "reaction", kRound, kRound + 4000, 12000));
  fleet[1].presence_answers.push_back(answer("chk-b", "reaction", kRound + 17000, kRound + 22000, 12000));
  fleet[2].presence_answers.push_back(answer("chk-c", "reaction", kRound + 35000, kRound + 40000, 12000));
  EXPECT_TRUE(sequences(fleet).empty());
}

TEST(PresenceFleetRules, OneEmployeeAnsweringTheirOwnThreeLaptops_IsNoFarm) {
  auto fleet = fleet_of(3);
  for (auto& d : fleet) d.assignee = "dev.ops@example.com";
  People p(7);
  operator_round(fleet, 0, 3, kRound, "reaction", p);
  EXPECT_TRUE(sequences(fleet).empty());
}

TEST(PresenceFleetRules, KeyAndLidChecks_CannotShowIt_EvenFromOneOperator) {
  // Too short to tell one person from several: independent lid answers fall
  // in a row in 7% of four-laptop rounds under this model.
  for (const char* action : {"key", "lid"}) {
    auto fleet = fleet_of(5);
    People p(11);
    operator_round(fleet, 0, 5, kRound, action, p);
    EXPECT_TRUE(sequences(fleet).empty()) << action;
  }
}

// The rule's error rates under the model, one round each: every operator
// round of 4-5 laptops is found, independent employees asked together almost
// never are; three laptops in one round are not enough either way.
TEST(PresenceFleetRules, SimulatedSingleRounds_OperatorsFound_IndependentPeopleRarely) {
  int operator_found = 0, independent_found = 0, three_found = 0;
  const int rounds = 1000;
  for (int r = 0; r < rounds; ++r) {
    const int n = 4 + r % 2;
    People p(1000 + r);
    auto farm = fleet_of(n);
    operator_round(farm, 0, n, kRound, "reaction", p);
    operator_found += !sequences(farm).empty();
    auto homes = fleet_of(n);
    independent_round(homes, 0, n, kRound, "reaction", p);
    independent_found += !sequences(homes).empty();
    auto three = fleet_of(3);
    operator_round(three, 0, 3, kRound, "reaction", p);
    three_found += !sequences(three).empty();
  }
  std::printf("one round: operator rounds found %d/%d, independent rounds flagged %d/%d\n", operator_found, rounds,
              independent_found, rounds);
  EXPECT_EQ(operator_found, rounds);
  EXPECT_LE(independent_found, rounds / 100) << "more than 1% of independent rounds look like one person";
  EXPECT_EQ(three_found, 0);
}

// Three laptops asked twice: the operator is found, three independent
// employees almost never.
TEST(PresenceFleetRules, SimulatedThreeLaptopsTwice_OperatorsFound_IndependentPeopleRarely) {
  int operator_found = 0, independent_found = 0;
  const int trials = 1000;
  for (int t = 0; t < trials; ++t) {
    People p(3000 + t);
    auto farm = fleet_of(3), homes = fleet_of(3);
    for (int64_t at : {kRound, kRound + 86400000}) {
      operator_round(farm, 0, 3, at, "reaction", p);
      independent_round(homes, 0, 3, at, "reaction", p);
    }
    operator_found += !sequences(farm).empty();
    independent_found += !sequences(homes).empty();
  }
  std::printf("two rounds of three: operators found %d/%d, independent flagged %d/%d\n", operator_found, trials,
              independent_found, trials);
  EXPECT_EQ(operator_found, trials);
  EXPECT_LE(independent_found, trials / 100);
}

// A whole department asked at once, with a farm's four laptops among thirty
// homes: any chain among thirty independent answers is chance, so nothing is
// said, even twice. The investigator asks the suspected four on their own,
// and they are found.
TEST(PresenceFleetRules, FarmInsideADepartmentRound_IsNotFound_AskedOnItsOwnItIs) {
  auto fleet = fleet_of(34);
  People p(2026);
  for (int64_t at : {kRound, kRound + 86400000}) {
    independent_round(fleet, 4, 34, at, "reaction", p);
    operator_round(fleet, 0, 4, at, "reaction", p);
  }
  EXPECT_TRUE(sequences(fleet).empty());

  operator_round(fleet, 0, 4, kRound + 2 * 86400000, "reaction", p);
  const auto found = sequences(fleet);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(std::vector<std::string>(found[0].members().begin(), found[0].members().end()),
            (std::vector<std::string>{"dev-100", "dev-101", "dev-102", "dev-103"}));
}

TEST(PresenceFleetRules, LargeRoundsOfIndependentPeople_AreNeverOneChain) {
  int flagged = 0;
  const int trials = 200;
  for (int t = 0; t < trials; ++t) {
    auto fleet = fleet_of(34);
    People p(5000 + t);
    independent_round(fleet, 0, 34, kRound, "reaction", p);
    independent_round(fleet, 0, 34, kRound + 86400000, "reaction", p);
    flagged += !sequences(fleet).empty();
  }
  std::printf("34-laptop departments asked twice, flagged %d/%d\n", flagged, trials);
  EXPECT_EQ(flagged, 0);
}

}  // namespace
}  // namespace telltale::detect
