// The only translation unit that includes Beast (it is slow to compile).
#include "server/console/console_server.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <optional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "platform/common/file.h"
#include "platform/common/log.h"
#include "server/console/console_api.h"
#include "server/console/console_db.h"

namespace telltale::server::console {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Files in the data dir are read and written with the project's bounded,
// atomic helpers (platform/common/file.h): private files are created 0600.
std::string read_required(const std::filesystem::path& p) {
  auto r = read_file(p, 64 * 1024);
  if (!r.data) throw std::runtime_error("console: cannot read " + p.string() + ": " + r.error);
  return *r.data;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// A self-signed P-256 certificate made once per data dir: the console is for
// browsers on the operators' network, not for agents, so it does not use the
// agents' CA (which must never sign server names browsers would trust).
std::pair<std::string, std::string> ensure_certificate(const std::filesystem::path& dir) {
  auto key_path = dir / "console.key", cert_path = dir / "console.crt";
  if (std::filesystem::exists(key_path) && std::filesystem::exists(cert_path))
    return {read_required(cert_path), read_required(key_path)};
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  if (!key || !cert) throw std::runtime_error("console: cannot make a P-256 key");
  X509_set_version(cert, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 825L * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("telltale-console"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1")) {
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert, key, EVP_sha256()) <= 0) throw std::runtime_error("console: cannot sign its certificate");
  BIO* kb = BIO_new(BIO_s_mem());
  BIO* cb = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(cb, cert);
  std::string key_pem = bio_text(kb), cert_pem = bio_text(cb);
  BIO_free(kb);
  BIO_free(cb);
  X509_free(cert);
  EVP_PKEY_free(key);
  write_file_atomic(key_path, key_pem, 0600);
  write_file_atomic(cert_path, cert_pem, 0644);
  return {cert_pem, key_pem};
}

// The UI's policy: every script and style comes from the console itself (no
// inline code, so an injected string cannot run), images may be data: URLs,
// and no other site may frame it or receive its form posts.
constexpr const char* kAppPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'";
// HTML served under /api (the printable evidence exports) is one page with
// its own inline CSS and no scripts: allow exactly that and nothing else.
constexpr const char* kExportPolicy =
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'";

// Headers on every response, before the route's own (which may replace one).
template <class Response>
void set_security_headers(Response& res, const std::string& path, const std::string& content_type) {
  const bool api = path.rfind("/api/", 0) == 0 || path == "/metrics";
  const bool html = content_type.rfind("text/html", 0) == 0;
  res.set("Content-Security-Policy", api && html ? kExportPolicy : kAppPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  res.set("Strict-Transport-Security", "max-age=31536000");
  // Evidence must not linger in browser caches; the embedded UI may be cached
  // but is revalidated so a new collector binary shows its new UI at once.
  res.set(boost::beast::http::field::cache_control, api ? "no-store" : "no-cache");
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

// Peer addresses as the cap counts them: an IPv4 client reaching a dual-stack
// listener appears as ::ffff:a.b.c.d and must count as a.b.c.d.
static std::string address_text(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

struct ConsoleServer::Impl {
  struct Connection;
  ConsoleConfig config;
  Store& store;
  std::unique_ptr<ConsoleDb> db;
  std::unique_ptr<ConsoleApi> api;
  std::shared_ptr<AlertDb> alerts;
  std::shared_ptr<AlertDispatcher> alert_dispatcher;
  // Declared before the io_context: a connection still queued in it when it
  // is destroyed unregisters itself here and uses the TLS context.
  // Open connections, counted per peer address (the TCP peer of the accepted
  // socket: the console does not trust X-Forwarded-For, so behind a proxy all
  // browsers share the proxy's address and the per-address cap must be raised).
  std::mutex conn_mu;
  std::map<std::string, int> per_address;
  int open = 0;
  std::set<std::weak_ptr<Connection>, std::owner_less<std::weak_ptr<Connection>>> connections;
  std::atomic<uint64_t> refused_per_address{0}, refused_total{0}, deadline_closes{0};
  asio::ssl::context ssl{asio::ssl::context::tls_server};
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<asio::thread_pool> workers;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::atomic<bool> stopping{false};
  std::vector<std::thread> threads;
  uint16_t port = 0;
  // TLS, reading and writing run on the io threads; ConsoleApi::handle (which
  // blocks on sqlite and password hashes) on the worker pool, so slow or idle
  // peers never hold up a request and requests never stall the io threads.


  Impl(ConsoleConfig c, Store& s) : config(std::move(c)), store(s) {}

  // One TLS connection: handshake, then requests until the peer closes,
  // a deadline passes or the console stops. All of it runs on the socket's
  // strand; only ConsoleApi::handle runs on the worker pool.
  struct Connection : std::enable_shared_from_this<Connection> {
    Impl& d;
    std::string peer;
    beast::ssl_stream<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    std::optional<http::request_parser<http::string_body>> parser;
    http::response<http::string_body> res;
    bool in_request = false;  // a deadline inside a request (not between requests) is worth a log line

    Connection(Impl& impl, tcp::socket socket, std::string p)
        : d(impl), peer(std::move(p)), stream(std::move(socket), impl.ssl) {}
    ~Connection() { d.release(peer); }

    void start() {
      if (d.stopping) return note_end({}, "start");
      beast::get_lowest_layer(stream).expires_after(d.config.handshake_timeout);
      stream.async_handshake(asio::ssl::stream_base::server,
                             [self = shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
    }
    void on_handshake(beast::error_code ec) {
      if (ec) return note_end(ec, "handshake");
      read_request();
    }
    void read_request() {
      if (d.stopping) return close();
      parser.emplace();
      parser->header_limit(16 * 1024);
      parser->body_limit(1 << 20);
      in_request = false;
      // One deadline for the whole header: a peer trickling a byte at a time
      // does not extend it.
      beast::get_lowest_layer(stream).expires_after(d.config.header_timeout);
      http::async_read_header(stream, buffer, *parser,
                              [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
    }
    void on_header(beast::error_code ec) {
      if (ec) return note_end(ec, "header");
      in_request = true;
      beast::get_lowest_layer(stream).expires_after(d.config.body_timeout);
      http::async_read(stream, buffer, *parser,
                       [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
    }
    void on_body(beast::error_code ec) {
      if (ec) return note_end(ec, "body");
      beast::get_lowest_layer(stream).expires_never();
      auto& req = parser->get();
      auto in = std::make_shared<HttpRequest>(HttpRequest{
          std::string(req.method_string()), std::string(req.target()), std::string(req[http::field::cookie]),
          std::string(req[http::field::authorization]), std::string(req["X-CSRF-Token"]),
          std::string(req[http::field::content_type]), std::move(req.body()), peer});
      const unsigned version = req.version();
      const bool keep_alive = req.keep_alive();
      asio::post(*d.workers, [self = shared_from_this(), in, version, keep_alive] {
        auto out = std::make_shared<HttpResponse>();
        try {
          *out = self->d.api->handle(*in);
        } catch (const std::exception& e) {
          *out = HttpResponse{500, "application/json", R"({"error":"internal error"})", {}};
          spdlog::warn("event=console_request_failed error={}", log::q(e.what()));
        }
        asio::post(self->stream.get_executor(),
                   [self, in, out, version, keep_alive] { self->write(*in, *out, version, keep_alive); });
      });
    }
    void write(const HttpRequest& in, HttpResponse& out, unsigned version, bool keep_alive) {
      res = http::response<http::string_body>{static_cast<http::status>(out.status), version};
      res.set(http::field::content_type, out.content_type);
      set_security_headers(res, in.target.substr(0, in.target.find('?')), out.content_type);
      if (!out.set_cookie.empty()) res.set(http::field::set_cookie, out.set_cookie);
      for (auto& [name, value] : out.headers) {
        // A value built from stored data (a hostname in a file name) must not
        // be able to end the header and start another.
        if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) {
          spdlog::warn("event=console_header_refused name={}", log::q(name));
          continue;
        }
        res.set(name, value);
      }
      res.body() = std::move(out.body);
      res.keep_alive(keep_alive && !d.stopping);
      res.prepare_payload();
      beast::get_lowest_layer(stream).expires_after(d.config.body_timeout);
      http::async_write(stream, res, [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec) return self->note_end(ec, "write");
        if (!self->res.keep_alive()) return self->close();
        self->read_request();
      });
    }
    void note_end(beast::error_code ec, const char* phase) {
      if (ec == beast::error::timeout) {
        d.deadline_closes.fetch_add(1, std::memory_order_relaxed);
        // Between requests a timeout is an ordinary keep-alive expiry. A
        // handshake that never comes is what an idle-socket flood looks like:
        // counted in /metrics, logged only at debug so it cannot flood the log.
        if (in_request) spdlog::info("event=console_deadline phase={} peer={}", phase, peer);
        else if (std::string_view(phase) == "handshake") spdlog::debug("event=console_deadline phase={} peer={}", phase, peer);
      }
      // The tcp_stream closed the socket on timeout; other errors end here too.
      beast::error_code ignored;
      beast::get_lowest_layer(stream).socket().close(ignored);
    }
    void close() {
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
      stream.async_shutdown([self = shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream).socket().close(ignored);
      });
    }
  };

  void release(const std::string& peer) {
    std::lock_guard lock(conn_mu);
    --open;
    if (auto it = per_address.find(peer); it != per_address.end() && --it->second <= 0) per_address.erase(it);
  }

  void accept() {
    acceptor->async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (stopping || !acceptor->is_open()) return;
      if (ec) {
        // Out of descriptors and the like: wait a little instead of spinning.
        spdlog::warn("event=console_accept_failed error={}", log::q(ec.message()));
        auto t = std::make_shared<asio::steady_timer>(acceptor->get_executor(), std::chrono::milliseconds(100));
        t->async_wait([this, t](beast::error_code) { if (!stopping) accept(); });
        return;
      }
      admit(std::move(socket));
      accept();
    });
  }

  // Refuses at once (a reset, no TLS) when the peer or the console is at its
  // cap, so an excess socket costs a descriptor for microseconds only.
  void admit(tcp::socket socket) {
    beast::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (ec) return;
    std::string peer = address_text(ep.address());
    std::shared_ptr<Connection> c;
    {
      std::lock_guard lock(conn_mu);
      const bool over_total = open >= config.max_connections;
      const bool over_peer = per_address[peer] >= config.max_connections_per_address;
      if (over_total || over_peer) {
        auto& counter = over_peer ? refused_per_address : refused_total;
        // The first refusal and then every 1000th: a flood must not flood the log.
        if (counter.fetch_add(1, std::memory_order_relaxed) % 1000 == 0)
          spdlog::warn("event=console_connection_refused peer={} reason={} open={} open_from_peer={}", peer,
                       over_peer ? "per_address_cap" : "total_cap", open, per_address[peer]);
        if (per_address[peer] == 0) per_address.erase(peer);
        socket.set_option(asio::socket_base::linger(true, 0), ec);
        socket.close(ec);
        return;
      }
      ++open;
      ++per_address[peer];
      c = std::make_shared<Connection>(*this, std::move(socket), peer);
      connections.insert(c);
      // Forget the dead ones now and then so the set stays the size of the live ones.
      if (connections.size() > 2 * static_cast<size_t>(open) + 64)
        std::erase_if(connections, [](const auto& w) { return w.expired(); });
    }
    asio::dispatch(c->stream.get_executor(), [c] { c->start(); });
  }

  std::string connection_metrics() {
    int now_open = 0;
    {
      std::lock_guard lock(conn_mu);
      now_open = open;
    }
    return "# HELP telltale_console_connections Open console connections.\n# TYPE telltale_console_connections gauge\n"
           "telltale_console_connections " + std::to_string(now_open) + "\n"
           "# HELP telltale_console_connections_refused_total Connections refused at a cap.\n"
           "# TYPE telltale_console_connections_refused_total counter\n"
           "telltale_console_connections_refused_total{cap=\"per_address\"} " + std::to_string(refused_per_address.load()) + "\n"
           "telltale_console_connections_refused_total{cap=\"total\"} " + std::to_string(refused_total.load()) + "\n"
           "# HELP telltale_console_deadline_closes_total Connections closed by a handshake, header, body or write deadline.\n"
           "# TYPE telltale_console_deadline_closes_total counter\n"
           "telltale_console_deadline_closes_total " + std::to_string(deadline_closes.load()) + "\n";
  }
};

ConsoleServer::ConsoleServer(ConsoleConfig config, Store& store) : impl_(std::make_unique<Impl>(std::move(config), store)) {}
ConsoleServer::~ConsoleServer() { stop(); }

void ConsoleServer::start() {
  auto& d = *impl_;
  auto colon = d.config.listen.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("console: --console wants HOST:PORT, got " + d.config.listen);
  std::string host = d.config.listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(d.config.listen.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) throw std::runtime_error("console: bad port in " + d.config.listen);
  if (d.config.max_connections < 1 || d.config.max_connections_per_address < 1 || d.config.io_threads < 1 ||
      d.config.api_threads < 1)
    throw std::runtime_error("console: connection caps and thread counts must be at least 1");
  std::filesystem::create_directories(d.config.data_dir);
  d.db = std::make_unique<ConsoleDb>(d.config.data_dir / "console.db");
  if (auto password = d.db->bootstrap_admin(now_ms())) {
    write_file_atomic(d.config.data_dir / "console-admin-password", *password + "\n", 0600);
    spdlog::info("event=console_admin_created password_file={}", (d.config.data_dir / "console-admin-password").string());
  }
  auto [cert, key] = ensure_certificate(d.config.data_dir);
  // TLS 1.3 only (DESIGN.md): its suites are all AEAD with forward secrecy,
  // so no CBC or SHA-1 suite of TLS 1.2 can be negotiated.
  if (SSL_CTX_set_min_proto_version(d.ssl.native_handle(), TLS1_3_VERSION) != 1)
    throw std::runtime_error("console: this OpenSSL cannot restrict the console to TLS 1.3");
  d.ssl.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_tlsv1_2);
  d.ssl.use_certificate_chain(asio::buffer(cert));
  d.ssl.use_private_key(asio::buffer(key), asio::ssl::context::pem);
  ApiOptions api_options;
  api_options.extra_metrics = [&d] {
    return d.connection_metrics() + (d.config.extra_metrics ? d.config.extra_metrics() : std::string());
  };
  api_options.catalog_path = d.config.catalog;
  api_options.login_free_failures = d.config.login_free_failures;
  api_options.login_backoff_base_ms = d.config.login_backoff_base_ms;
  api_options.login_backoff_max_ms = d.config.login_backoff_max_ms;
  api_options.api_token_default_days = d.config.api_token_default_days;
  api_options.sso = d.config.sso;
  d.alerts = std::make_shared<AlertDb>(d.config.data_dir / "console.db");
  d.alert_dispatcher = std::make_shared<AlertDispatcher>(*d.alerts, d.store, d.config.alert_delivery);
  api_options.alerts = d.alerts;
  api_options.alert_dispatcher = d.alert_dispatcher;
  api_options.suppressions_changed = d.config.suppressions_changed;
  d.api = std::make_unique<ConsoleApi>(*d.db, d.store, std::move(api_options));
  if (d.config.alert_interval.count() > 0) d.alert_dispatcher->start(d.config.alert_interval);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("console: " + host + " is not an IP address");
  tcp::endpoint ep(address, static_cast<uint16_t>(port));
  // On its own strand: stop() closes it from another thread.
  d.acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(d.io));
  d.acceptor->open(ep.protocol());
  d.acceptor->set_option(tcp::acceptor::reuse_address(true));
  d.acceptor->bind(ep, ec);
  if (ec) throw std::runtime_error("console: cannot listen on " + d.config.listen + ": " + ec.message());
  d.acceptor->listen(asio::socket_base::max_listen_connections);
  d.port = d.acceptor->local_endpoint().port();
  d.work.emplace(d.io.get_executor());
  d.workers = std::make_unique<asio::thread_pool>(static_cast<size_t>(d.config.api_threads));
  d.accept();
  for (int i = 0; i < d.config.io_threads; ++i)
    d.threads.emplace_back([&d] {
      for (;;) {
        try {
          d.io.run();
          return;
        } catch (const std::exception& e) {
          spdlog::warn("event=console_handler_failed error={}", log::q(e.what()));
        }
      }
    });
  spdlog::info("event=console_listening address={}:{} max_connections={} max_per_address={} handshake_timeout_ms={} "
               "header_timeout_ms={} body_timeout_ms={}",
               host, d.port, d.config.max_connections, d.config.max_connections_per_address,
               d.config.handshake_timeout.count(), d.config.header_timeout.count(), d.config.body_timeout.count());
}

void ConsoleServer::stop() {
  auto& d = *impl_;
  if (d.threads.empty()) return;
  d.stopping = true;
  // Stop accepting, and close every connection on its own strand (a socket is
  // not safe to touch from another thread while an operation runs on it).
  asio::post(d.acceptor->get_executor(), [&d] {
    beast::error_code ec;
    d.acceptor->close(ec);
  });
  std::vector<std::shared_ptr<Impl::Connection>> live;
  {
    std::lock_guard lock(d.conn_mu);
    for (auto& w : d.connections)
      if (auto c = w.lock()) live.push_back(std::move(c));
  }
  for (auto& c : live)
    asio::post(c->stream.get_executor(), [c] {
      beast::error_code ec;
      beast::get_lowest_layer(c->stream).socket().close(ec);
    });
  live.clear();
  // Requests being answered finish (and post their answers, which fail on the
  // closed sockets); then nothing keeps the io threads running.
  d.workers->join();
  if (d.alert_dispatcher) d.alert_dispatcher->stop();
  d.work.reset();
  for (auto& t : d.threads) t.join();
  d.threads.clear();
}

uint16_t ConsoleServer::port() const { return impl_->port; }

}  // namespace telltale::server::console
