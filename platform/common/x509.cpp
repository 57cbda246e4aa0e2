#include "platform/common/x509.h"

#include <chrono>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

#include "platform/common/base64url.h"
#include "platform/common/hash.h"

namespace telltale::x509 {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse_first(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) throw std::runtime_error("no PEM certificate found (" + std::to_string(pem.size()) + " bytes given)");
  return cert;
}

std::string der_of(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  if (len <= 0) throw std::runtime_error("cannot DER-encode certificate");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace

std::string spki_pin(std::string_view certificate_pem) {
  auto cert = parse_first(certificate_pem);
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
  if (len <= 0) throw std::runtime_error("cannot encode certificate public key");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(der, static_cast<size_t>(len), md, &md_len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return base64url_encode(std::string_view(reinterpret_cast<char*>(md), md_len));
}

std::vector<std::string> split_certificates(std::string_view pem_bundle) {
  std::vector<std::string> out;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem_bundle.data(), static_cast<int>(pem_bundle.size())),
                                                BIO_free);
  while (X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
    std::unique_ptr<BIO, decltype(&BIO_free)> mem(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(mem.get(), cert.get());
    char* data = nullptr;
    long n = BIO_get_mem_data(mem.get(), &data);
    out.emplace_back(data, static_cast<size_t>(n));
  }
  return out;
}

std::string common_name(std::string_view certificate_pem) {
  auto cert = parse_first(certificate_pem);
  char buf[256] = {0};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string fingerprint(std::string_view certificate_pem) {
  auto cert = parse_first(certificate_pem);
  return sha256_hex(der_of(cert.get()));
}

int64_t not_after_unix(std::string_view certificate_pem) {
  auto cert = parse_first(certificate_pem);
  struct tm tm {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) throw std::runtime_error("unreadable notAfter");
  // UTC broken-down time to Unix seconds without timegm (not on Windows).
  using namespace std::chrono;
  const sys_days date{year{tm.tm_year + 1900} / month{unsigned(tm.tm_mon + 1)} / day{unsigned(tm.tm_mday)}};
  return duration_cast<seconds>(date.time_since_epoch()).count() + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

}  // namespace telltale::x509
