#include "agent/enroll/pinned_ca.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

#include "platform/common/tcp_connect.h"
#include "platform/common/x509.h"

namespace telltale::agent {

std::string fetch_pinned_ca(const std::string& address, const std::string& pin, std::chrono::seconds timeout) {
  TcpConnection sock = connect_tcp(address, timeout);
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) throw std::runtime_error("TLS context: out of memory");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  // No chain verification here on purpose: the pin check below is the trust decision.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), sock.fd());
  SSL_set_tlsext_host_name(ssl.get(), "telltale-collector");
  SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>("\x02h2"), 3);
  if (SSL_connect(ssl.get()) != 1) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    ERR_clear_error();
    throw std::runtime_error("TLS 1.3 handshake with collector at " + address + " failed: " + buf);
  }
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get());
  int n = chain ? sk_X509_num(chain) : 0;
  std::string found;
  for (int i = 0; i < n && found.empty(); ++i) {
    std::unique_ptr<BIO, decltype(&BIO_free)> mem(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(mem.get(), sk_X509_value(chain, i));
    char* data = nullptr;
    long len = BIO_get_mem_data(mem.get(), &data);
    std::string pem(data, static_cast<size_t>(len));
    if (x509::spki_pin(pem) == pin) found = pem;
  }
  SSL_shutdown(ssl.get());
  if (found.empty())
    throw std::runtime_error("collector at " + address + " presented " + std::to_string(n) +
                             " certificate(s), none matches the token's CA pin: wrong collector or intercepted connection");
  return found;
}

}  // namespace telltale::agent
