// Presence checks answered in turn by one person (issue 20). A person can
// be busy with one laptop at a time: when several laptops are asked at once
// and a farm's operator answers them through the KVMs, the answers come as a
// chain — each laptop waits while the one before is answered, and is
// answered a short hop after that one is done. Independent employees answer
// whenever each of them notices, so their answers overlap.
//
// A "round" is a set of checks whose pending times overlap (asked together,
// or while others were still open). In a round, a chain is a sequence of
// checks on different laptops where each next one
//   - was already waiting when the previous one was finished (delivered
//     before it), so its person could have answered earlier,
//   - starts after the previous one's end (no overlap) and within
//     presence_sequence_max_hop_seconds of it.
// Only answers that keep a person busy for a while (the reaction task; at
// least presence_sequence_min_busy_seconds) can show that: a key press takes
// no time and a lid a few seconds, and independent answers that short fall
// in a row by chance too often (the test's sweep: 7% of four-laptop lid rounds).
//
// By chance, a round of independent people contains some chain, so only a
// round answered entirely in a row counts (presence_sequence_min_share of
// its answers): alone when it has presence_sequence_min_devices_one_round
// laptops, else when the same presence_sequence_min_devices laptops are in a
// row again in another round. A farm asked together with a whole department
// is not found: among thirty independent answers any chain is chance, so
// the investigator asks the suspected group on its own (`telltale-ctl
// presence start --cluster`). tests/detect/presence_fleet_rules_test.cpp
// measures the rates against simulated operators and independent people.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "server/detect/rules.h"

namespace telltale::detect {
namespace {

using telltale::v1::Cluster;

struct Answer {
  uint32_t device = 0;  // index into the fleet
  const PresenceAnswer* a = nullptr;
  int64_t start() const { return a->first_response_unix_ms; }
  int64_t end() const { return a->answered_unix_ms; }
};

std::string who(const FleetDevice& d) { return d.assignee.empty() ? "device:" + d.device_id : d.assignee; }

std::string seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

// Rounds: connected groups of checks whose pending times [delivered, answered] overlap.
std::vector<std::vector<Answer>> rounds_of(std::vector<Answer> all) {
  std::sort(all.begin(), all.end(),
            [](const Answer& x, const Answer& y) { return x.a->delivered_unix_ms < y.a->delivered_unix_ms; });
  std::vector<std::vector<Answer>> rounds;
  int64_t open_until = INT64_MIN;
  for (const auto& x : all) {
    if (rounds.empty() || x.a->delivered_unix_ms > open_until) rounds.emplace_back();
    rounds.back().push_back(x);
    open_until = std::max(open_until, x.end());
  }
  return rounds;
}

// The longest chain in a round (by number of laptops), as indexes into the
// round sorted by start; ties go to the earliest end.
std::vector<size_t> longest_chain(const std::vector<Answer>& round, const DetectConfig& cfg,
                                  const std::vector<bool>& taken) {
  const int64_t max_hop = static_cast<int64_t>(cfg.presence_sequence_max_hop_seconds * 1000);
  const size_t n = round.size();
  std::vector<size_t> length(n, 0), previous(n, SIZE_MAX);
  size_t best = SIZE_MAX;
  for (size_t j = 0; j < n; ++j) {
    if (taken[j]) continue;
    length[j] = 1;
    for (size_t i = 0; i < j; ++i) {
      if (taken[i] || length[i] == 0 || round[i].device == round[j].device) continue;
      const int64_t hop = round[j].start() - round[i].end();
      const bool waited = round[j].a->delivered_unix_ms < round[i].end();
      if (hop < 0 || hop > max_hop || !waited || length[i] + 1 <= length[j]) continue;
      // One laptop once per chain: walk back to make sure.
      bool repeats = false;
      for (size_t k = i; k != SIZE_MAX; k = previous[k])
        if (round[k].device == round[j].device) repeats = true;
      if (repeats) continue;
      length[j] = length[i] + 1;
      previous[j] = i;
    }
    if (best == SIZE_MAX || length[j] > length[best]) best = j;
  }
  std::vector<size_t> chain;
  for (size_t k = best; k != SIZE_MAX; k = previous[k]) chain.push_back(k);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

struct Chain {
  std::vector<Answer> links;
  size_t round_answers = 0;
  size_t round = 0;
};

Cluster to_cluster(const std::vector<FleetDevice>& fleet, const std::vector<uint32_t>& members,
                   const std::vector<const Chain*>& chains) {
  Cluster c;
  std::vector<std::string> ids;
  for (uint32_t m : members) ids.push_back(fleet[m].device_id);
  std::sort(ids.begin(), ids.end());
  c.set_kind("answered_in_sequence");
  // The earliest chain's first check names the cluster: stable while the
  // evidence holds.
  const Chain* first = chains.front();
  for (const auto* ch : chains)
    if (ch->links.front().start() < first->links.front().start()) first = ch;
  c.set_id("answered_in_sequence:" + first->links.front().a->check_id);
  c.set_key(first->links.front().a->check_id);
  for (auto& id : ids) c.add_members(id);
  std::set<std::string> assignees;
  for (uint32_t m : members) assignees.insert(who(fleet[m]));
  auto fact = [&](std::string k, std::string v) {
    auto* f = c.add_evidence();
    f->set_key(std::move(k));
    f->set_value(std::move(v));
  };
  fact("devices", std::to_string(ids.size()) + " laptops of " + std::to_string(assignees.size()) + " assignees");
  fact("rounds", std::to_string(chains.size()) + " round" + (chains.size() == 1 ? "" : "s") + " answered in turn");
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto* ch : chains) {
    lo = std::min(lo, ch->links.front().a->delivered_unix_ms);
    hi = std::max(hi, ch->links.back().end());
    std::string line;
    for (size_t i = 0; i < ch->links.size(); ++i) {
      const auto& l = ch->links[i];
      if (i) line += "; ";
      line += fleet[l.device].device_id + " " + l.a->action + " " + seconds(l.end() - l.start()) + " after waiting " +
              seconds(l.start() - l.a->delivered_unix_ms);
    }
    fact("round " + utc_time(ch->links.front().a->delivered_unix_ms, "%Y-%m-%d %H:%M:%S UTC") + " (" + std::to_string(ch->links.size()) +
             " of " + std::to_string(ch->round_answers) + " answers in a row)",
         line);
  }
  c.set_first_seen_unix_ms(lo);
  c.set_last_seen_unix_ms(hi);
  return c;
}

// Plain union-find over fleet indexes.
uint32_t find(std::map<uint32_t, uint32_t>& parent, uint32_t x) {
  auto it = parent.try_emplace(x, x).first;
  if (it->second == x) return x;
  const uint32_t root = find(parent, it->second);
  parent[x] = root;
  return root;
}

}  // namespace

void answered_in_sequence(const std::vector<FleetDevice>& fleet, const DetectConfig& cfg, std::vector<Cluster>& out) {
  const int64_t min_busy = static_cast<int64_t>(cfg.presence_sequence_min_busy_seconds * 1000);
  const size_t min_devices = static_cast<size_t>(std::max(2.0, cfg.presence_sequence_min_devices));
  std::vector<Answer> all;
  for (uint32_t i = 0; i < fleet.size(); ++i)
    for (const auto& a : fleet[i].presence_answers)
      if (a.first_response_unix_ms >= a.delivered_unix_ms && a.answered_unix_ms - a.first_response_unix_ms >= min_busy)
        all.push_back({i, &a});
  if (all.size() < min_devices) return;

  std::vector<Chain> chains;
  auto rounds = rounds_of(std::move(all));
  for (size_t r = 0; r < rounds.size(); ++r) {
    auto& round = rounds[r];
    if (round.size() < min_devices) continue;
    std::sort(round.begin(), round.end(), [](const Answer& x, const Answer& y) { return x.start() < y.start(); });
    // Several operators in one round: take chains out until none is long enough.
    std::vector<bool> taken(round.size(), false);
    while (true) {
      const auto idx = longest_chain(round, cfg, taken);
      if (idx.size() < min_devices) break;
      Chain ch;
      ch.round = r;
      ch.round_answers = round.size();
      std::set<std::string> assignees;
      for (size_t k : idx) {
        taken[k] = true;
        ch.links.push_back(round[k]);
        assignees.insert(who(fleet[round[k].device]));
      }
      // One employee answering the laptops they own in turn is no farm; a
      // chain among many independent answers is chance.
      const bool whole_round = static_cast<double>(ch.links.size()) >=
                               cfg.presence_sequence_min_share * static_cast<double>(ch.round_answers);
      if (assignees.size() >= min_devices && whole_round) chains.push_back(std::move(ch));
    }
  }

  // A round answered in a row stands alone when it is long enough; shorter
  // ones need the same laptops in a row again in another round.
  std::map<uint32_t, uint32_t> parent;
  auto unite = [&](uint32_t a, uint32_t b) { parent[find(parent, a)] = find(parent, b); };
  const size_t one_round = static_cast<size_t>(std::max(2.0, cfg.presence_sequence_min_devices_one_round));
  for (const auto& ch : chains)
    if (ch.links.size() >= one_round)
      for (size_t i = 1; i < ch.links.size(); ++i) unite(ch.links[0].device, ch.links[i].device);
  for (size_t i = 0; i < chains.size(); ++i)
    for (size_t j = i + 1; j < chains.size(); ++j) {
      if (chains[i].round == chains[j].round) continue;
      std::set<uint32_t> a, common;
      for (const auto& l : chains[i].links) a.insert(l.device);
      for (const auto& l : chains[j].links)
        if (a.count(l.device)) common.insert(l.device);
      if (common.size() < min_devices) continue;
      for (uint32_t d : common) unite(*common.begin(), d);
    }

  std::map<uint32_t, std::vector<uint32_t>> groups;
  for (auto& [device, _] : parent) groups[find(parent, device)].push_back(device);
  for (auto& [root, members] : groups) {
    if (members.size() < min_devices) continue;
    // The rounds that tie this group together, as evidence.
    std::set<uint32_t> in_group(members.begin(), members.end());
    std::vector<const Chain*> evidence;
    for (const auto& ch : chains) {
      size_t inside = 0;
      for (const auto& l : ch.links) inside += in_group.count(l.device);
      if (inside >= 2) evidence.push_back(&ch);
    }
    out.push_back(to_cluster(fleet, members, evidence));
  }
}

}  // namespace telltale::detect
