#include "server/presence/presence_checks.h"

#include <google/protobuf/util/json_util.h>
#include <openssl/rand.h>

#include "platform/common/log.h"
#include "platform/common/signature.h"
#include "platform/common/x509.h"
#include "platform/decode/presence_observation.h"

namespace telltale::server {
namespace v1 = telltale::v1;

namespace {

std::string new_check_id() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for a presence check id");
  static const char* hex = "0123456789abcdef";
  std::string id = "pc-";
  for (unsigned char b : bytes) id += hex[b >> 4], id += hex[b & 15];
  return id;
}

v1::PresenceAction action_from(const std::string& name) {
  if (name == "lid") return v1::PRESENCE_ACTION_LID;
  if (name == "key") return v1::PRESENCE_ACTION_KEY;
  if (name == "reaction") return v1::PRESENCE_ACTION_REACTION;
  return v1::PRESENCE_ACTION_UNSPECIFIED;
}

bool pending(const PresenceCheckRecord& c) { return c.status == "queued" || c.status == "delivered"; }

}  // namespace

std::variant<PresenceCheckRecord, std::string> start_presence_check(Store& store, const PresenceStart& start,
                                                                     const PresenceLimits& limits, int64_t now_ms) {
  if (action_from(start.action) == v1::PRESENCE_ACTION_UNSPECIFIED)
    return "action \"" + start.action + "\" is not one of lid, key, reaction";
  auto device = store.device(start.device_id);
  if (!device) return "no device " + start.device_id;
  if (device->revoked) return "device " + start.device_id + " is revoked";
  int64_t in_day = 0;
  for (const auto& c : store.presence_checks(start.device_id, 64)) {
    if (pending(c)) return "check " + c.check_id + " on " + start.device_id + " is still " + c.status;
    if (now_ms - c.requested_unix_ms < limits.min_interval_ms)
      return "rate limit: " + start.device_id + " was checked " + std::to_string((now_ms - c.requested_unix_ms) / 1000) +
             " s ago, at most one check per " + std::to_string(limits.min_interval_ms / 1000) + " s";
    if (now_ms - c.requested_unix_ms < 24 * 3600 * 1000) ++in_day;
  }
  if (in_day >= limits.per_day)
    return "rate limit: " + start.device_id + " had " + std::to_string(in_day) + " checks in the last 24 h (at most " +
           std::to_string(limits.per_day) + ")";
  PresenceCheckRecord c;
  c.check_id = new_check_id();
  c.device_id = start.device_id;
  c.action = start.action;
  c.requested_by = start.requested_by;
  c.reason = start.reason.empty() ? "a routine check that this laptop is used in person" : start.reason;
  c.answer_seconds = limits.answer_seconds;
  c.requested_unix_ms = now_ms;
  c.expires_unix_ms = now_ms + limits.queue_ttl_ms;
  c.status = "queued";
  if (!store.add_presence_check(c)) return "check id " + c.check_id + " exists";
  // The audit trail of who asked whom, when and why.
  spdlog::info("event=presence_check_started check={} device={} action={} requested_by={} reason={}", c.check_id,
               c.device_id, c.action, log::q(c.requested_by), log::q(c.reason));
  return c;
}

v1::PresenceRequest presence_request_for(const PresenceCheckRecord& c, const PresenceLimits& limits) {
  v1::PresenceRequest r;
  r.set_check_id(c.check_id);
  r.set_action(action_from(c.action));
  r.set_company(limits.company);
  r.set_reason(c.reason);
  r.set_answer_seconds(c.answer_seconds);
  r.set_expires_at_unix_ms(c.expires_unix_ms);
  r.set_trials(5);
  return r;
}

bool presence_signature_valid(const std::string& signed_bytes, const std::string& certificate_pem) {
  v1::SignedPresenceResult s;
  if (!s.ParseFromString(signed_bytes)) return false;
  try {
    return signature::verify_sha256(certificate_pem, s.result(), s.signature());
  } catch (const std::exception&) {
    return false;
  }
}

std::string accept_presence_result(Store& store, const std::string& device_id, const std::string& stream_cert,
                                   const v1::SignedPresenceResult& signed_result, int64_t now_ms) {
  // The signature must come from the key of the certificate this stream
  // authenticated with; the certificate the agent attached is kept only if
  // it is that same certificate.
  bool valid = false;
  try {
    valid = signature::verify_sha256(stream_cert, signed_result.result(), signed_result.signature());
  } catch (const std::exception& e) {
    return std::string("stream certificate unreadable: ") + e.what();
  }
  if (!valid) return "signature does not verify against the device certificate";
  v1::PresenceResult result;
  if (!result.ParseFromString(signed_result.result())) return "signed bytes are not a telltale.v1.PresenceResult";
  if (result.device_id() != device_id)
    return "result names device " + result.device_id() + ", stream is " + device_id;
  auto check = store.presence_check(result.check_id());
  if (!check) return "no presence check " + result.check_id();
  if (check->device_id != device_id) return "check " + result.check_id() + " belongs to " + check->device_id;
  if (check->status == "answered") return "check " + result.check_id() + " already answered";
  v1::SignedPresenceResult stored = signed_result;
  if (!signed_result.certificate_pem().empty() && x509::fingerprint(signed_result.certificate_pem()) != x509::fingerprint(stream_cert))
    stored.set_certificate_pem(stream_cert);
  const auto& obs = result.observation();
  check->status = "answered";
  check->answered_unix_ms = now_ms;
  if (check->delivered_unix_ms == 0) check->delivered_unix_ms = now_ms;
  check->outcome = decode::to_string(obs.outcome());
  check->device_class = obs.outcome() == v1::PRESENCE_OUTCOME_ANSWERED ? decode::to_string(obs.device_class()) : "";
  check->summary = decode::describe_presence(result.action(), obs, check->answer_seconds);
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  check->observation_json.clear();
  (void)google::protobuf::util::MessageToJsonString(obs, &check->observation_json, opts);
  check->signed_result = stored.SerializeAsString();
  check->signature_valid = true;
  store.update_presence_check(*check);
  spdlog::info("event=presence_check_answered check={} device={} outcome={} class={} summary={}", check->check_id,
               device_id, check->outcome, check->device_class, log::q(check->summary));
  return "";
}

}  // namespace telltale::server
