#include "server/store/postgres_revocations.h"

#include <pqxx/pqxx>

#include "server/store/postgres_store.h"

namespace telltale::server {
namespace {

class RevocationReceiver final : public pqxx::notification_receiver {
 public:
  RevocationReceiver(pqxx::connection_base& c, const std::string& channel) : pqxx::notification_receiver(c, channel) {}
  void operator()(const std::string&, int) override { ++received_; }
  size_t take() { return std::exchange(received_, 0); }

 private:
  size_t received_ = 0;
};

class PgRevocationSignal final : public RevocationSignal {
 public:
  explicit PgRevocationSignal(const std::string& url) : connection_(url) {
    std::string schema;
    {
      pqxx::nontransaction tx(connection_);
      schema = tx.exec("SELECT current_schema()")[0][0].as<std::string>();
    }
    channel_ = revocation_channel(schema);
    receiver_ = std::make_unique<RevocationReceiver>(connection_, channel_);
    // Make sure the LISTEN is in effect before we return, so a revocation
    // committed after this constructor is heard.
    pqxx::nontransaction(connection_).exec("SELECT 1");
  }

  bool wait(std::chrono::milliseconds timeout) override {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
    try {
      connection_.await_notification(static_cast<long>(us / 1'000'000), static_cast<long>(us % 1'000'000));
      return receiver_->take() > 0;
    } catch (const pqxx::broken_connection& e) {
      throw StoreUnavailable(std::string("revocation listener lost its connection: ") + e.what());
    }
  }

  std::string log_fields() const override {
    return "source=postgres channel=" + channel_ + " backend_pid=" + std::to_string(connection_.backendpid());
  }

 private:
  pqxx::connection connection_;
  std::string channel_;
  std::unique_ptr<RevocationReceiver> receiver_;
};

}  // namespace

std::string revocation_channel(const std::string& schema) {
  return (std::string(kRevocationChannelPrefix) + schema).substr(0, 63);
}

std::unique_ptr<RevocationSignal> listen_for_revocations(const std::string& connect_url) {
  return std::make_unique<PgRevocationSignal>(connect_url);
}

}  // namespace telltale::server
