#include "server/ctl/console_client.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <stdexcept>

#include "platform/common/file.h"

namespace telltale::ctl {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Url {
  std::string host, port, prefix;
};

Url parse_url(const std::string& url) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0) throw std::invalid_argument("--url " + url + ": expected https://HOST:PORT");
  std::string rest = url.substr(scheme.size());
  Url u;
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    u.prefix = rest.substr(slash);
    while (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
    rest.resize(slash);
  }
  if (!rest.empty() && rest.front() == '[') {  // [::1]:8443
    auto close = rest.find(']');
    if (close == std::string::npos) throw std::invalid_argument("--url " + url + ": unclosed [ in the host");
    u.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    u.port = rest.rfind(':', 0) == 0 ? rest.substr(1) : "443";
  } else {
    auto colon = rest.rfind(':');
    u.host = rest.substr(0, colon);
    u.port = colon == std::string::npos ? "443" : rest.substr(colon + 1);
  }
  if (u.host.empty() || u.port.empty() || u.port.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("--url " + url + ": expected https://HOST:PORT");
  return u;
}

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

X509Ptr load_pinned(const std::filesystem::path& file) {
  auto pem = read_file(file, 64 * 1024);
  if (!pem.data)
    throw std::runtime_error("cannot read the console certificate " + file.string() + ": " + pem.error +
                             " (copy data_dir/console.crt from the collector, pass --console-cert FILE)");
  BIO* bio = BIO_new_mem_buf(pem.data->data(), static_cast<int>(pem.data->size()));
  X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr), X509_free);
  BIO_free(bio);
  if (!cert) throw std::runtime_error(file.string() + " is not a PEM certificate");
  return cert;
}

}  // namespace

ConsoleResponse console_get(const ConsoleTarget& target, const std::string& path) {
  return console_request(target, "GET", path);
}

ConsoleResponse console_request(const ConsoleTarget& target, const std::string& method, const std::string& path,
                                const std::string& body) {
  const Url url = parse_url(target.url);
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  std::shared_ptr<X509> pinned;
  bool pin_mismatch = false;
  if (target.insecure) {
    ctx.set_verify_mode(asio::ssl::verify_none);
  } else {
    pinned = std::shared_ptr<X509>(load_pinned(target.certificate).release(), X509_free);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    // The pin decides, not a CA chain: only the leaf (depth 0) is compared,
    // byte for byte, with the file; the handshake proves the server holds its key.
    ctx.set_verify_callback([pinned, &pin_mismatch](bool, asio::ssl::verify_context& vc) {
      X509_STORE_CTX* store = vc.native_handle();
      if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
      X509* presented = X509_STORE_CTX_get_current_cert(store);
      const bool same = presented && X509_cmp(presented, pinned.get()) == 0;
      if (!same) pin_mismatch = true;
      return same;
    });
  }
  beast::ssl_stream<tcp::socket> stream(io, ctx);
  const std::string where = url.host + ":" + url.port;
  try {
    tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(url.host, url.port);
    asio::connect(stream.next_layer(), endpoints);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot connect to " + where + ": " + e.what());
  }
  // Blocking reads and writes with a bound, so a stalled console cannot hang a script.
  timeval tv{30, 0};
  setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()))
    throw std::runtime_error("cannot set the TLS server name " + url.host);
  beast::error_code ec;
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) {
    if (pin_mismatch)
      throw std::runtime_error("TLS handshake with " + where + ": the certificate is not the pinned one in " +
                               target.certificate.string() + " (another server, or the console made a new one)");
    throw std::runtime_error("TLS handshake with " + where + ": " + ec.message());
  }
  http::request<http::string_body> req{http::string_to_verb(method), url.prefix + path, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, "telltale-ctl");
  if (!target.token.empty()) req.set(http::field::authorization, "Bearer " + target.token);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req, ec);
  if (ec) throw std::runtime_error("sending " + method + " " + path + " to " + where + ": " + ec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u << 20);  // evidence exports of busy devices are large
  http::read(stream, buffer, parser, ec);
  if (ec) throw std::runtime_error("reading the answer to " + method + " " + path + " from " + where + ": " + ec.message());
  stream.shutdown(ec);  // the console may close first; nothing to learn from the error
  auto& res = parser.get();
  return {static_cast<int>(res.result_int()), std::string(res[http::field::content_type]), std::move(res.body())};
}

}  // namespace telltale::ctl
