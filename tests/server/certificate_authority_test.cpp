#include "server/ca/certificate_authority.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "platform/common/file.h"
#include "platform/common/x509.h"
#include "support/temp_dir.h"

namespace telltale::server {
namespace {

// A CSR as an agent (or an attacker) would make it, with the given key type.
std::string make_csr(const char* type, const char* param, const std::string& cn) {
  EVP_PKEY* key = std::string(type) == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                                             : EVP_PKEY_Q_keygen(nullptr, nullptr, type, param);
  X509_REQ* req = X509_REQ_new();
  X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_REQ_set_pubkey(req, key);
  X509_REQ_sign(req, key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(bio, req);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  X509_REQ_free(req);
  EVP_PKEY_free(key);
  return pem;
}

TEST(CertificateAuthority, CreatedOnFirstStartWithPrivateKeysOwnerOnlyAndReusedAfter) {
  testing::TempDir dir;
  auto ca = CertificateAuthority::open_or_create(dir.path());
  struct stat st {};
  ASSERT_EQ(stat((dir.path() / "ca.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((dir.path() / "server.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = CertificateAuthority::open_or_create(dir.path());
  EXPECT_EQ(ca.pin(), again.pin());
  EXPECT_EQ(x509::split_certificates(ca.server_chain_pem()).size(), 2u) << "agents find the CA in the chain";
}

TEST(CertificateAuthority, HalfPresentCaIsRefusedRatherThanReplaced) {
  testing::TempDir dir;
  CertificateAuthority::open_or_create(dir.path());
  std::filesystem::remove(dir.path() / "ca.crt");
  EXPECT_THROW(CertificateAuthority::open_or_create(dir.path()), std::runtime_error);
}

TEST(CertificateAuthority, SignsADeviceCsrNamingTheDeviceNotTheRequester) {
  testing::TempDir dir;
  auto ca = CertificateAuthority::open_or_create(dir.path());
  auto issued = ca.sign_device_csr(make_csr("EC", "P-256", "evil-admin"), "dev-0123", 365);
  EXPECT_EQ(x509::common_name(issued.certificate_pem), "dev-0123");
  EXPECT_EQ(issued.fingerprint.size(), 64u);
}

TEST(CertificateAuthority, RefusesGarbageTamperedAndNonP256Csrs) {
  testing::TempDir dir;
  auto ca = CertificateAuthority::open_or_create(dir.path());
  EXPECT_THROW(ca.sign_device_csr("not a csr", "d", 1), std::invalid_argument);
  std::string tampered = make_csr("EC", "P-256", "host");
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THROW(ca.sign_device_csr(tampered, "d", 1), std::invalid_argument);
  EXPECT_THROW(ca.sign_device_csr(std::string(20000, 'x'), "d", 1), std::invalid_argument);
  EXPECT_THROW(ca.sign_device_csr(make_csr("RSA", nullptr, "host"), "d", 1), std::invalid_argument);
  EXPECT_THROW(ca.sign_device_csr(make_csr("EC", "P-384", "host"), "d", 1), std::invalid_argument);
}

}  // namespace
}  // namespace telltale::server
