#include "agent/transport/rtt_window.h"

#include <vector>

#include "platform/decode/rtt_summary.h"

namespace telltale::agent {

void RttWindow::add(uint32_t rtt_us) {
  pending_.push_back(rtt_us);
  while (pending_.size() > kMaxPending) pending_.pop_front();
}

telltale::v1::RttSummary RttWindow::take() {
  auto summary = decode::summarize_rtt(std::vector<uint32_t>(pending_.begin(), pending_.end()));
  pending_.clear();
  return summary;
}

}  // namespace telltale::agent
