// The web UI compiled into the binary: what the console serves without a
// session, with which type, and that nothing outside the embedded table can
// be reached through a /static/ path.
#include <gtest/gtest.h>

#include <random>

#include "server/console/console_api.h"
#include "server/console/static_assets.h"
#include "server/store/sqlite_store.h"

namespace telltale::server::console {
namespace {

TEST(ConsoleStaticAssets, RootAndIndexServeTheEmbeddedPageWhichLoadsItsModuleFromStatic) {
  for (const char* path : {"/", "/index.html"}) {
    auto r = static_asset_response("GET", path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->content_type, "text/html; charset=utf-8");
    EXPECT_NE(r->body.find("<script type=\"module\" src=\"/static/app.js\">"), std::string::npos);
  }
  auto js = static_asset_response("GET", "/static/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8") << "nosniff refuses a module of another type";
  auto css = static_asset_response("GET", "/static/style.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  EXPECT_TRUE(static_asset_response("GET", "/static/views/device.js")) << "subfolders are embedded too";
}

TEST(ConsoleStaticAssets, EveryEmbeddedFileHasAKnownTypeAndNoInlineScriptOrStyle) {
  ASSERT_FALSE(embedded_web_files().empty());
  for (const auto& [name, bytes] : embedded_web_files()) {
    EXPECT_NE(content_type_for(name), "application/octet-stream") << name << ": add its type to content_type_for";
    EXPECT_FALSE(bytes.empty()) << name;
    if (name.ends_with(".html")) {
      // The CSP refuses inline code; a page relying on it would break silently.
      EXPECT_EQ(bytes.find("<style"), std::string_view::npos) << name;
      EXPECT_EQ(bytes.find("style=\""), std::string_view::npos) << name;
      EXPECT_EQ(bytes.find("<script>"), std::string_view::npos) << name;
      EXPECT_EQ(bytes.find(" onclick="), std::string_view::npos) << name;
    }
    if (name.ends_with(".js")) {
      EXPECT_EQ(bytes.find("innerHTML"), std::string_view::npos) << name << ": build DOM nodes instead";
    }
  }
}

TEST(ConsoleStaticAssets, TraversalUnknownFilesAndWritesAreNotAssets) {
  for (const char* path : {"/static/../console_api.cpp", "/static/%2e%2e/console_api.cpp", "/static/", "/static//app.js",
                           "/static/nope.js", "/index.htm", "/app.js", "/api/v1/me"})
    EXPECT_FALSE(static_asset_response("GET", path)) << path;
  EXPECT_FALSE(static_asset_response("POST", "/"));
  EXPECT_FALSE(static_asset_response("DELETE", "/static/app.js"));
}

HttpRequest get(const std::string& target) {
  HttpRequest r;
  r.method = "GET";
  r.target = target;
  return r;
}

TEST(ConsoleStaticAssets, TheApiServesTheUiWithoutASessionAndStill404sUnknownPaths) {
  auto dir = std::filesystem::temp_directory_path() / ("console-assets-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  {
    SqliteStore store(dir / "store.db");
    ConsoleDb db(dir / "console.db");
    ConsoleApi api(db, store, std::function<std::string()>{});
    auto page = api.handle(get("/?from=bookmark"));
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(api.handle(get("/devices")).status, 404) << "no server-side route fallback";
    EXPECT_EQ(api.handle(get("/static/missing.js")).status, 404);
    EXPECT_EQ(api.handle(get("/api/v1/devices")).status, 401) << "the API still wants a session";
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace telltale::server::console
