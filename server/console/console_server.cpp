// The only translation unit that includes Beast (it is slow to compile).
#include "server/console/console_server.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
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

struct ConsoleServer::Impl {
  ConsoleConfig config;
  Store& store;
  std::unique_ptr<ConsoleDb> db;
  std::unique_ptr<ConsoleApi> api;
  asio::io_context io;
  asio::ssl::context ssl{asio::ssl::context::tls_server};
  std::unique_ptr<tcp::acceptor> acceptor;
  std::atomic<bool> stopping{false};
  std::thread thread;
  uint16_t port = 0;
  // A browser opens several connections at once and keeps each alive; served
  // one at a time, the second waited for the first's idle timeout (10 s). So
  // each connection gets a thread (at most kMaxConnections), while requests
  // still go through ConsoleApi one at a time (api_mu): it is not promised to
  // be thread-safe, and a request takes milliseconds where a connection
  // lives for seconds.
  static constexpr int kMaxConnections = 16;
  std::mutex api_mu;
  std::mutex conn_mu;
  std::condition_variable conn_cv;
  std::set<int> open_sockets;  // native handles, shut down by stop()
  int active = 0;              // connection threads still running

  Impl(ConsoleConfig c, Store& s) : config(std::move(c)), store(s) {}

  void serve_one(tcp::socket socket) {
    // Bounded waits so one stalled browser cannot hold the console forever.
    timeval tv{10, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::string peer;
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) peer = ep.address().to_string();
    const int fd = socket.native_handle();
    beast::ssl_stream<tcp::socket> stream(std::move(socket), ssl);
    // Tracked only while the stream (and so the descriptor) lives: Untrack is
    // declared after the stream so it runs first, and stop() never shuts
    // down a number the process has since reused for another socket.
    {
      std::lock_guard lock(conn_mu);
      if (stopping) return;
      open_sockets.insert(fd);
    }
    struct Untrack {
      Impl& d;
      int fd;
      ~Untrack() {
        std::lock_guard lock(d.conn_mu);
        d.open_sockets.erase(fd);
      }
    } untrack{*this, fd};
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (ec) return;
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(1 << 20);
      http::read(stream, buffer, parser, ec);
      if (ec) break;
      auto& req = parser.get();
      HttpRequest in{std::string(req.method_string()), std::string(req.target()), std::string(req[http::field::cookie]),
                     std::string(req[http::field::authorization]), std::string(req["X-CSRF-Token"]),
                     std::string(req[http::field::content_type]), req.body(), peer};
      HttpResponse out;
      {
        std::lock_guard lock(api_mu);
        out = api->handle(in);
      }
      http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
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
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(stream, res, ec);
      if (ec || !res.keep_alive() || stopping) break;
    }
    stream.shutdown(ec);
  }

  void run() {
    while (!stopping) {
      boost::system::error_code ec;
      tcp::socket socket(io);
      acceptor->accept(socket, ec);
      if (stopping) break;
      if (ec) continue;
      {
        std::unique_lock lock(conn_mu);
        conn_cv.wait(lock, [&] { return active < kMaxConnections || stopping; });
        if (stopping) break;
        ++active;
      }
      try {
        std::thread([this, s = std::move(socket)]() mutable {
          try {
            serve_one(std::move(s));
          } catch (const std::exception& e) {
            spdlog::warn("event=console_connection_failed error={}", log::q(e.what()));
          }
          // The socket is closed by now; only this counter is left to touch.
          std::lock_guard lock(conn_mu);
          --active;
          conn_cv.notify_all();
        }).detach();
      } catch (const std::system_error& e) {
        // No thread (resource limit): the connection is dropped, the console goes on.
        spdlog::warn("event=console_connection_failed error={}", log::q(e.what()));
        std::lock_guard lock(conn_mu);
        --active;
      }
    }
    // stop() has shut down the connections idling in a keep-alive read; wait
    // for their threads: stop() returns only when no thread touches this object.
    std::unique_lock lock(conn_mu);
    conn_cv.wait(lock, [&] { return active == 0; });
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
  std::filesystem::create_directories(d.config.data_dir);
  d.db = std::make_unique<ConsoleDb>(d.config.data_dir / "console.db");
  if (auto password = d.db->bootstrap_admin(now_ms())) {
    write_file_atomic(d.config.data_dir / "console-admin-password", *password + "\n", 0600);
    spdlog::info("event=console_admin_created password_file={}", (d.config.data_dir / "console-admin-password").string());
  }
  auto [cert, key] = ensure_certificate(d.config.data_dir);
  d.ssl.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1);
  d.ssl.use_certificate_chain(asio::buffer(cert));
  d.ssl.use_private_key(asio::buffer(key), asio::ssl::context::pem);
  ApiOptions api_options;
  api_options.extra_metrics = d.config.extra_metrics;
  api_options.catalog_path = d.config.catalog;
  d.api = std::make_unique<ConsoleApi>(*d.db, d.store, std::move(api_options));
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("console: " + host + " is not an IP address");
  tcp::endpoint ep(address, static_cast<uint16_t>(port));
  d.acceptor = std::make_unique<tcp::acceptor>(d.io);
  d.acceptor->open(ep.protocol());
  d.acceptor->set_option(tcp::acceptor::reuse_address(true));
  d.acceptor->bind(ep, ec);
  if (ec) throw std::runtime_error("console: cannot listen on " + d.config.listen + ": " + ec.message());
  d.acceptor->listen();
  d.port = d.acceptor->local_endpoint().port();
  d.thread = std::thread([&d] { d.run(); });
  spdlog::info("event=console_listening address={}:{}", host, d.port);
}

void ConsoleServer::stop() {
  auto& d = *impl_;
  if (!d.thread.joinable()) return;
  {
    // Wake connections idling in a keep-alive read, and the accept loop if it
    // waits for a free connection slot.
    std::lock_guard lock(d.conn_mu);
    d.stopping = true;
    for (int fd : d.open_sockets) ::shutdown(fd, SHUT_RDWR);
  }
  d.conn_cv.notify_all();
  // Wake the blocking accept with a connection of our own.
  boost::system::error_code ec;
  tcp::socket wake(d.io);
  wake.connect(tcp::endpoint(d.acceptor->local_endpoint().address().is_unspecified()
                                 ? asio::ip::make_address("127.0.0.1")
                                 : d.acceptor->local_endpoint().address(),
                             d.port),
               ec);
  d.thread.join();
  d.acceptor->close(ec);
}

uint16_t ConsoleServer::port() const { return impl_->port; }

}  // namespace telltale::server::console
