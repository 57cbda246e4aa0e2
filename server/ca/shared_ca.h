#pragma once
// The CA key kept in the PostgreSQL database the collectors share, encrypted
// with a passphrase each collector reads from a file (--ca-passphrase-file):
// a deployment then needs no shared file system for the CA, and the
// database alone (a dump, a replica) never yields a usable signing key.
//
// The first collector to start puts its CA (created if the local dir has
// none) into the table; every later one writes the table's CA into its
// local dir, where CertificateAuthority::open_or_create reads it as usual.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace telltale::server {

// Makes local_dir/ca.key and ca.crt the deployment's CA. When the table is
// empty and local_dir has no CA, create_local makes one there first. Runs
// under an advisory lock, so collectors starting at once agree on one CA.
// Throws with a clear message on a wrong passphrase or an unreachable
// database.
void sync_shared_ca(const std::string& url, const std::string& passphrase, const std::filesystem::path& local_dir,
                    const std::function<void()>& create_local);

// The shared CA certificate (PEM), for tools that issue tokens; nullopt
// when no collector has stored one yet.
std::optional<std::string> shared_ca_certificate(const std::string& url);

// The passphrase in a file: its first line, which must not be empty.
std::string read_passphrase_file(const std::filesystem::path& path);

}  // namespace telltale::server
