#include "server/ca/shared_ca.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <pqxx/pqxx>
#include <stdexcept>

#include "platform/common/file.h"
#include "platform/common/log.h"

namespace telltale::server {
namespace {

// Orders CA creation among collectors starting at once (any constant every
// collector shares).
constexpr int64_t kSharedCaLockKey = 0x7e11'ca00;

std::string openssl_error() {
  char buf[256] = {};
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  return buf;
}

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

// PKCS#8 with AES-256-CBC; OpenSSL 3 derives the key with PBKDF2.
std::string encrypt_key(const std::string& key_pem, const std::string& passphrase) {
  Bio in(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), BIO_free);
  Key key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) throw std::runtime_error("CA key does not parse: " + openssl_error());
  Bio out(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                    const_cast<char*>(passphrase.c_str())) != 1)
    throw std::runtime_error("cannot encrypt the CA key: " + openssl_error());
  return bio_text(out.get());
}

std::string decrypt_key(const std::string& encrypted_pem, const std::string& passphrase) {
  Bio in(BIO_new_mem_buf(encrypted_pem.data(), static_cast<int>(encrypted_pem.size())), BIO_free);
  Key key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, const_cast<char*>(passphrase.c_str())), EVP_PKEY_free);
  if (!key)
    throw std::runtime_error("the CA key stored in the database does not open with this passphrase "
                             "(--ca-passphrase-file must hold the one the first collector used)");
  Bio out(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw std::runtime_error("cannot write the CA key: " + openssl_error());
  return bio_text(out.get());
}

std::string must_read(const std::filesystem::path& path) {
  auto r = read_file(path);
  if (!r.data) throw std::runtime_error("cannot read " + path.string() + ": " + r.error);
  return *r.data;
}

}  // namespace

std::string read_passphrase_file(const std::filesystem::path& path) {
  auto text = must_read(path);
  text = text.substr(0, text.find('\n'));
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.empty()) throw std::runtime_error("passphrase file " + path.string() + " is empty");
  return text;
}

void sync_shared_ca(const std::string& url, const std::string& passphrase, const std::filesystem::path& local_dir,
                    const std::function<void()>& create_local) {
  std::error_code ec;
  std::filesystem::create_directories(local_dir, ec);
  if (ec) throw std::runtime_error("cannot create " + local_dir.string() + ": " + ec.message());
  std::filesystem::permissions(local_dir, std::filesystem::perms::owner_all, ec);

  pqxx::connection c(url);
  pqxx::work tx(c);
  tx.exec_params("SELECT pg_advisory_xact_lock($1)", kSharedCaLockKey);
  auto row = tx.exec("SELECT key_encrypted_pem, cert_pem FROM shared_ca WHERE id=1");
  const auto key_path = local_dir / "ca.key", cert_path = local_dir / "ca.crt";
  if (!row.empty()) {
    const auto key_pem = decrypt_key(row[0][0].as<std::string>(), passphrase);
    const auto cert_pem = row[0][1].as<std::string>();
    // A different local CA (left from before this deployment shared one)
    // would sign certificates the other collectors refuse: the table wins.
    auto local_cert = read_file(cert_path);
    if (local_cert.data && *local_cert.data != cert_pem) {
      spdlog::warn("event=shared_ca_replaces_local dir={}", log::q(local_dir.string()));
      std::filesystem::remove(local_dir / "server.key", ec);
      std::filesystem::remove(local_dir / "server.crt", ec);
    }
    write_file_atomic(key_path, key_pem, 0600);
    write_file_atomic(cert_path, cert_pem, 0644);
    tx.commit();
    spdlog::info("event=shared_ca_loaded dir={}", log::q(local_dir.string()));
    return;
  }
  // Still under the lock: a second collector waits and then loads this CA.
  if (!std::filesystem::exists(key_path) || !std::filesystem::exists(cert_path)) create_local();
  tx.exec_params("INSERT INTO shared_ca(id, key_encrypted_pem, cert_pem) VALUES(1, $1, $2)",
                 encrypt_key(must_read(key_path), passphrase), must_read(cert_path));
  tx.commit();
  spdlog::info("event=shared_ca_stored dir={}", log::q(local_dir.string()));
}

std::optional<std::string> shared_ca_certificate(const std::string& url) {
  pqxx::connection c(url);
  pqxx::work tx(c);
  auto row = tx.exec("SELECT cert_pem FROM shared_ca WHERE id=1");
  if (row.empty()) return std::nullopt;
  return row[0][0].as<std::string>();
}

}  // namespace telltale::server
