#include "server/enroll/token_issuer.h"

#include <chrono>

#include "platform/common/enrollment_token.h"
#include "platform/common/file.h"
#include "platform/common/hash.h"
#include "platform/common/x509.h"

namespace telltale::server {

IssuedToken issue_token(Store& store, const std::filesystem::path& data_dir, int64_t uses, int64_t ttl_seconds,
                        std::string address, const std::string& note, const std::filesystem::path& ca_dir,
                        const std::optional<std::string>& ca_pem) {
  if (uses < 1 || uses > 1000000) throw std::invalid_argument("uses must be between 1 and 1000000");
  if (ttl_seconds < 1 || ttl_seconds > 366ll * 86400) throw std::invalid_argument("ttl must be between 1 s and 366 days");
  if (note.size() > 256) throw std::invalid_argument("note longer than 256 characters");
  const auto ca_file = (ca_dir.empty() ? data_dir : ca_dir) / "ca.crt";
  auto ca = ca_pem ? ReadResult{*ca_pem, "", false} : read_file(ca_file);
  if (!ca.data)
    throw std::runtime_error("cannot read " + ca_file.string() + ": " + ca.error +
                             " (has the collector started with this data dir?)");
  if (address.empty()) {
    auto recorded = read_attribute(data_dir / "listen_address");
    if (!recorded || recorded->empty())
      throw std::runtime_error("no address given and the collector has not recorded one in " +
                               (data_dir / "listen_address").string());
    address = *recorded;
  }
  EnrollmentToken token{address, x509::spki_pin(*ca.data), random_hex(32)};
  IssuedToken out;
  out.address = address;
  out.token = token.encode();
  out.record.id = token.id();
  out.record.secret_hash = token.secret_hash();
  out.record.created_unix_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  out.record.expires_unix_ms = out.record.created_unix_ms + ttl_seconds * 1000;
  out.record.max_uses = uses;
  out.record.note = note;
  store.add_token(out.record);
  return out;
}

}  // namespace telltale::server
