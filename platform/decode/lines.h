#pragma once
// Line splitting for the text files the kernel writes (proc/cpuinfo,
// proc/meminfo, sysfs "modes"): one place instead of a loop per parser.
#include <string_view>

namespace telltale::decode {

// Calls fn(line) for every '\n'-separated line, without the newline; a last
// line without a newline counts too.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    fn(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace telltale::decode
