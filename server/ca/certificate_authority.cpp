#include "server/ca/certificate_authority.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <ctime>
#include <memory>
#include <stdexcept>

#include "platform/common/file.h"
#include "platform/common/log.h"
#include "platform/common/x509.h"

namespace telltale::server {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

void check(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string(what) + ": " + openssl_error());
}

PkeyPtr generate_p256() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) throw std::runtime_error("EC P-256 key generation: " + openssl_error());
  return key;
}

std::string key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string cert_to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

PkeyPtr key_from_pem(const std::string& pem, const std::string& where) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw std::runtime_error(where + ": not a PEM private key (" + openssl_error() + ")");
  return key;
}

X509Ptr cert_from_pem(const std::string& pem, const std::string& where) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) throw std::runtime_error(where + ": not a PEM certificate (" + openssl_error() + ")");
  return cert;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) throw std::runtime_error(std::string("certificate extension ") + value + ": " + openssl_error());
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void set_random_serial(X509* cert) {
  unsigned char bytes[16];
  check(RAND_bytes(bytes, sizeof bytes), "RAND_bytes");
  bytes[0] &= 0x7f;  // positive, as RFC 5280 requires
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(bytes, sizeof bytes, nullptr), BN_free);
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert));
}

X509Ptr new_cert(EVP_PKEY* subject_key, const std::string& cn, int days) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  set_random_serial(cert.get());
  // Backdated an hour so agents whose clocks lag slightly still accept it.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
  X509_set_pubkey(cert.get(), subject_key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Telltale"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) <= 0) throw std::runtime_error("X509_sign: " + openssl_error());
}

std::string issue_server_cert(EVP_PKEY* ca_key, X509* ca_cert, std::string* key_pem_out) {
  auto key = generate_p256();
  auto cert = new_cert(key.get(), kCollectorTlsName, 397);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert));
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  std::string san = std::string("DNS:") + kCollectorTlsName + ",DNS:localhost,IP:127.0.0.1,IP:::1";
  if (std::string(host) != "localhost" && std::string(host).find_first_of(" ,") == std::string::npos)
    san += std::string(",DNS:") + host;
  add_ext(cert.get(), ca_cert, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), ca_cert, NID_key_usage, "critical,digitalSignature");
  add_ext(cert.get(), ca_cert, NID_ext_key_usage, "serverAuth");
  add_ext(cert.get(), ca_cert, NID_subject_alt_name, san.c_str());
  add_ext(cert.get(), ca_cert, NID_authority_key_identifier, "keyid:always");
  sign(cert.get(), ca_key);
  *key_pem_out = key_to_pem(key.get());
  return cert_to_pem(cert.get());
}

std::string read_required(const std::filesystem::path& p) {
  auto r = read_file(p, 64 * 1024);
  if (!r.data) throw std::runtime_error(p.string() + ": " + r.error);
  return *r.data;
}

}  // namespace

CertificateAuthority CertificateAuthority::open_or_create(const std::filesystem::path& dir) {
  CertificateAuthority ca;
  const auto key_path = dir / "ca.key", cert_path = dir / "ca.crt";
  const auto skey_path = dir / "server.key", scert_path = dir / "server.crt";
  bool have_key = std::filesystem::exists(key_path), have_cert = std::filesystem::exists(cert_path);
  if (have_key != have_cert)
    throw std::runtime_error("CA in " + dir.string() + " is half there: " + (have_key ? "ca.key" : "ca.crt") +
                             " exists without its pair; refusing to create a new CA over it");
  if (!have_key) {
    auto key = generate_p256();
    auto cert = new_cert(key.get(), "Telltale Collector CA", 3650);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
    sign(cert.get(), key.get());
    // Key first: a crash between the two writes leaves a key without a
    // certificate, which the check above refuses rather than silently replacing.
    write_file_atomic(key_path, key_to_pem(key.get()), 0600);
    write_file_atomic(cert_path, cert_to_pem(cert.get()), 0644);
    spdlog::info("event=ca_created dir={}", log::q(dir.string()));
  }
  ca.ca_key_pem_ = read_required(key_path);
  ca.ca_pem_ = read_required(cert_path);
  auto ca_key = key_from_pem(ca.ca_key_pem_, key_path.string());
  auto ca_cert = cert_from_pem(ca.ca_pem_, cert_path.string());
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1)
    throw std::runtime_error(key_path.string() + " does not match " + cert_path.string());

  bool need_server = !std::filesystem::exists(skey_path) || !std::filesystem::exists(scert_path);
  if (!need_server) {
    ca.server_cert_pem_ = read_required(scert_path);
    ca.server_key_pem_ = read_required(skey_path);
    if (x509::not_after_unix(ca.server_cert_pem_) < std::time(nullptr) + 30 * 86400) need_server = true;
  }
  if (need_server) {
    ca.server_cert_pem_ = issue_server_cert(ca_key.get(), ca_cert.get(), &ca.server_key_pem_);
    write_file_atomic(skey_path, ca.server_key_pem_, 0600);
    write_file_atomic(scert_path, ca.server_cert_pem_, 0644);
    spdlog::info("event=server_certificate_issued dir={}", log::q(dir.string()));
  }
  return ca;
}

std::string CertificateAuthority::pin() const { return x509::spki_pin(ca_pem_); }

IssuedCertificate CertificateAuthority::sign_device_csr(const std::string& csr_pem, const std::string& device_id,
                                                        int validity_days) const {
  if (csr_pem.size() > 16 * 1024) throw std::invalid_argument("CSR is " + std::to_string(csr_pem.size()) + " bytes, limit 16384");
  BioPtr bio(BIO_new_mem_buf(csr_pem.data(), static_cast<int>(csr_pem.size())), BIO_free);
  ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) {
    ERR_clear_error();
    throw std::invalid_argument("CSR is not a PEM PKCS#10 request");
  }
  EVP_PKEY* req_key = X509_REQ_get0_pubkey(req.get());
  if (!req_key) throw std::invalid_argument("CSR has no public key");
  if (X509_REQ_verify(req.get(), req_key) != 1) {
    ERR_clear_error();
    throw std::invalid_argument("CSR signature does not verify");
  }
  char group[64] = {0};
  size_t glen = 0;
  if (EVP_PKEY_get_base_id(req_key) != EVP_PKEY_EC ||
      EVP_PKEY_get_utf8_string_param(req_key, "group", group, sizeof group, &glen) != 1 ||
      std::string(group) != "prime256v1")
    throw std::invalid_argument("CSR key must be EC P-256");

  auto ca_key = key_from_pem(ca_key_pem_, "ca.key");
  auto ca_cert = cert_from_pem(ca_pem_, "ca.crt");
  auto cert = new_cert(req_key, device_id, validity_days);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  add_ext(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature");
  add_ext(cert.get(), ca_cert.get(), NID_ext_key_usage, "clientAuth");
  add_ext(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always");
  sign(cert.get(), ca_key.get());
  IssuedCertificate out;
  out.certificate_pem = cert_to_pem(cert.get());
  out.fingerprint = x509::fingerprint(out.certificate_pem);
  out.not_after_unix = x509::not_after_unix(out.certificate_pem);
  return out;
}

}  // namespace telltale::server
