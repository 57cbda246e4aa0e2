#include "server/console/oidc_http.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace telltale::server::console {
namespace {

std::once_flag g_curl_init;

struct Sink {
  std::string body;
  size_t limit = 0;
  bool over = false;
};

size_t on_data(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t bytes = size * n;
  if (sink->body.size() + bytes > sink->limit) {
    sink->over = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  sink->body.append(data, bytes);
  return bytes;
}

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  if (start == std::string::npos) return {};
  start += 3;
  auto end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  if (!authority.empty() && authority.front() == '[') return authority.substr(0, authority.find(']') + 1);
  return authority.substr(0, authority.find(':'));
}

OidcHttpResult perform(const std::string& url, const std::string* post_body, const std::string& user,
                       const std::string& password, const OidcHttpOptions& options) {
  OidcHttpResult result;
  if (auto problem = oidc_url_problem(url); !problem.empty()) {
    result.error = problem;
    return result;
  }
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    result.error = "cannot start an HTTP client";
    return result;
  }
  Sink sink{{}, options.max_body_bytes, false};
  char error_text[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, options.timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, options.timeout_ms);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "telltale-console");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      curl_slist_append(nullptr, "Accept: application/json"), curl_slist_free_all);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (post_body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body->c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(post_body->size()));
    if (!user.empty()) {
      curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(c, CURLOPT_USERNAME, user.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());
    }
  }
  const CURLcode rc = curl_easy_perform(c);
  if (sink.over) {
    result.error = "answer from " + url + " is over " + std::to_string(options.max_body_bytes) + " bytes";
    return result;
  }
  if (rc != CURLE_OK) {
    result.error = url + ": " + (error_text[0] ? std::string(error_text) : std::string(curl_easy_strerror(rc)));
    return result;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.status);
  result.body = std::move(sink.body);
  return result;
}

}  // namespace

std::string oidc_url_problem(const std::string& url) {
  if (url.rfind("https://", 0) == 0) return {};
  if (url.rfind("http://", 0) == 0) {
    const std::string host = host_of(url);
    if (host == "127.0.0.1" || host == "localhost" || host == "[::1]") return {};
    return url + " is plain http to a host other than loopback; the identity provider must use https";
  }
  return url + " is not an http(s) URL";
}

std::string form_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

OidcHttpResult oidc_get(const std::string& url, const OidcHttpOptions& options) {
  return perform(url, nullptr, {}, {}, options);
}

OidcHttpResult oidc_post_form(const std::string& url, const std::vector<std::pair<std::string, std::string>>& fields,
                              const std::string& basic_user, const std::string& basic_password,
                              const OidcHttpOptions& options) {
  std::string body;
  for (auto& [k, v] : fields) body += (body.empty() ? "" : "&") + form_encode(k) + "=" + form_encode(v);
  return perform(url, &body, form_encode(basic_user), form_encode(basic_password), options);
}

}  // namespace telltale::server::console
