#include <boost/json.hpp>

#include <stdexcept>

#include "platform/common/file.h"
#include "platform/macos/process_table.h"

namespace telltale::platform::macos_probe {
namespace {

// "1.2.3.4:5" or "[::1]:5".
void split_endpoint(const std::string& text, std::string& ip, uint32_t& port, const std::string& where) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error(where + ": endpoint \"" + text + "\" has no port");
  ip = text.substr(0, colon);
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  try {
    port = static_cast<uint32_t>(std::stoul(text.substr(colon + 1)));
  } catch (const std::exception&) {
    throw std::runtime_error(where + ": endpoint \"" + text + "\" has no numeric port");
  }
}

}  // namespace

RecordedProcessTable::RecordedProcessTable(std::filesystem::path recording) : recording_(std::move(recording)) {}

std::vector<ProcessRecord> RecordedProcessTable::processes() {
  auto text = read_file(recording_, 16 * 1024 * 1024);
  if (!text.data) throw std::runtime_error(recording_.string() + ": " + text.error);
  boost::system::error_code ec;
  auto doc = boost::json::parse(*text.data, ec);
  if (ec || !doc.is_object()) throw std::runtime_error(recording_.string() + ": not a JSON object: " + ec.message());
  std::vector<ProcessRecord> out;
  const auto* list = doc.as_object().if_contains("processes");
  if (!list || !list->is_array()) throw std::runtime_error(recording_.string() + ": no \"processes\" array");
  for (const auto& p : list->as_array()) {
    if (!p.is_object()) continue;
    const auto& o = p.as_object();
    ProcessRecord r;
    if (const auto* v = o.if_contains("pid"); v && v->is_int64()) r.pid = static_cast<uint32_t>(v->as_int64());
    if (const auto* v = o.if_contains("name"); v && v->is_string()) r.name = v->as_string().c_str();
    if (const auto* v = o.if_contains("path"); v && v->is_string()) r.path = v->as_string().c_str();
    if (const auto* socks = o.if_contains("sockets"); socks && socks->is_array()) {
      for (const auto& s : socks->as_array()) {
        if (!s.is_object()) continue;
        ProcessSocket sock;
        const auto& so = s.as_object();
        std::string state = so.contains("state") && so.at("state").is_string() ? so.at("state").as_string().c_str() : "";
        sock.state = state == "listen"        ? ProcessSocket::State::kListen
                     : state == "established" ? ProcessSocket::State::kEstablished
                                              : ProcessSocket::State::kOther;
        const std::string where = recording_.string() + " pid " + std::to_string(r.pid);
        if (const auto* l = so.if_contains("local"); l && l->is_string())
          split_endpoint(l->as_string().c_str(), sock.local_ip, sock.local_port, where);
        if (const auto* rm = so.if_contains("remote"); rm && rm->is_string())
          split_endpoint(rm->as_string().c_str(), sock.remote_ip, sock.remote_port, where);
        r.sockets.push_back(std::move(sock));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace telltale::platform::macos_probe
