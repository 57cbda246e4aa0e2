#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/detect/catalog.h"

namespace telltale::detect {
namespace {

std::string error_of(const std::string& text) {
  try {
    Catalog::parse(text, "catalog.toml");
  } catch (const CatalogError& e) {
    return e.what();
  }
  return "";
}

const char* kHeader = "version = \"t1\"\n";

TEST(Catalog, BuiltinCatalogLoads_WithEveryFamily) {
  const Catalog& c = Catalog::builtin();
  EXPECT_FALSE(c.version().empty());
  EXPECT_GE(c.usb().size(), 20u);
  EXPECT_GE(c.edid().size(), 10u);
  EXPECT_GE(c.remote_tools().size(), 25u);
  EXPECT_GE(c.input_methods().size(), 3u);
  EXPECT_NE(c.find_zone("Asia/Pyongyang"), nullptr);
  EXPECT_TRUE(c.find_zone("Asia/Pyongyang")->of_interest);
  ASSERT_NE(c.find_region("US-TX"), nullptr);
  EXPECT_EQ(c.find_region("US-TX")->code, "US");
  for (const auto& u : c.usb()) EXPECT_FALSE(u.source.empty()) << u.id;
}

TEST(Catalog, Watchlist_CarriesLinuxNamesOfRemoteToolsAndVpns) {
  auto w = Catalog::builtin().watchlist();
  EXPECT_EQ(w.version(), Catalog::builtin().version());
  const telltale::v1::WatchedTool* anydesk = nullptr;
  bool astrill = false, atera = false;
  for (const auto& t : w.tools()) {
    if (t.id() == "remote.anydesk") anydesk = &t;
    if (t.id() == "vpn.astrill") astrill = true;
    if (t.id() == "remote.atera") atera = true;  // Windows/macOS only: nothing for a Linux agent to watch
  }
  ASSERT_NE(anydesk, nullptr);
  EXPECT_EQ(anydesk->process_names(0), "anydesk");
  EXPECT_EQ(anydesk->ports_size(), 2);
  EXPECT_TRUE(astrill);
  EXPECT_FALSE(atera);
}

// The agents report tool ids from their built-in watchlist until the
// collector sends this catalog's: every id they can report must be known here.
TEST(Catalog, EveryToolIdOfTheAgentsBuiltinWatchlist_IsInTheCatalog) {
  std::ifstream in(std::string(TELLTALE_SOURCE_DIR) + "/platform/linux/default_watchlist.cpp");
  ASSERT_TRUE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string src = ss.str();
  const std::string marker = "add(w, \"";
  int found = 0;
  for (size_t at = src.find(marker); at != std::string::npos; at = src.find(marker, at + 1)) {
    size_t begin = at + marker.size();
    std::string id = src.substr(begin, src.find('"', begin) - begin);
    ++found;
    EXPECT_NE(Catalog::builtin().find_tool(id), nullptr) << id;
  }
  EXPECT_GE(found, 10);
}

TEST(Catalog, BadHexVid_NamesLineAndEntry) {
  std::string text = std::string(kHeader) +
                     "\n[[usb]]\nid = \"usb.pikvm\"\ntitle = \"t\"\nkind = \"ip_kvm\"\nvid = \"1d6x\"\n"
                     "severity = \"high\"\nsource = \"s\"\n";
  EXPECT_EQ(error_of(text), "catalog.toml:7: entry usb.pikvm: vid \"1d6x\" is not 4 hex digits");
}

TEST(Catalog, StructureSections_AreValidatedWithLines) {
  // [[hid_layout]] needs a real SHA-256, [[mac_prefix]] 6-9 hex digits, [[indicator]] a known family.
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "\n[[hid_layout]]\nid = \"hid_layout.x\"\ntitle = \"t\"\nvendor = \"V\"\nsha256 = \"ABCD\"\n"
                     "description = \"d\"\nseverity = \"high\"\nsource = \"s\"\n"),
            "catalog.toml:3: entry hid_layout.x: sha256 is not 64 lowercase hex digits");
  EXPECT_EQ(error_of(std::string(kHeader) +
                     "\n[[mac_prefix]]\nid = \"mac.x\"\ntitle = \"t\"\nvendor = \"V\"\nprefix = \"30:52:53\"\n"
                     "severity = \"low\"\nsource = \"s\"\n"),
            "catalog.toml:3: entry mac.x: prefix \"30:52:53\" is not 6 to 9 lowercase hex digits without separators");
  EXPECT_NE(error_of(std::string(kHeader) +
                     "\n[[indicator]]\nid = \"usb.x\"\nfamily = \"display\"\ntitle = \"t\"\nseverity = \"low\"\nsource = \"s\"\n")
                .find("family \"display\" is not one of usb, network"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kHeader) +
                     "\n[[indicator]]\nid = \"usb.x\"\nfamily = \"network\"\ntitle = \"t\"\nseverity = \"low\"\nsource = \"s\"\n")
                .find("id must start with \"network.\""),
            std::string::npos);
}

TEST(Catalog, BuiltinStructureData_HasLayoutsPrefixesAndIndicatorEntries) {
  const Catalog& c = Catalog::builtin();
  EXPECT_GE(c.hid_layouts().size(), 7u);
  EXPECT_GE(c.mac_prefixes().size(), 9u);
  EXPECT_GE(c.indicators().size(), 6u);
  for (const auto& m : c.mac_prefixes()) EXPECT_FALSE(m.source.empty()) << m.id;
  for (const auto& h : c.hid_layouts()) EXPECT_FALSE(h.source.empty()) << h.id;
}

TEST(Catalog, DuplicateId_NamesBothLines) {
  std::string entry = "[[usb]]\nid = \"usb.a\"\ntitle = \"t\"\nkind = \"ip_kvm\"\nvid = \"1d6b\"\n"
                      "severity = \"high\"\nsource = \"s\"\n";
  std::string text = std::string(kHeader) + entry + entry;
  EXPECT_EQ(error_of(text), "catalog.toml:9: entry usb.a: duplicate id (first defined on line 2)");
}

TEST(Catalog, UnknownKey_IsAnErrorNotIgnored) {
  std::string text = std::string(kHeader) +
                     "[[edid]]\nid = \"edid.x\"\ntitle = \"t\"\nkind = \"ip_kvm\"\npnp = \"LNX\"\n"
                     "monitor_nmae = \"PiKVM\"\nseverity = \"high\"\nsource = \"s\"\n";
  EXPECT_EQ(error_of(text), "catalog.toml:7: entry edid.x: unknown key \"monitor_nmae\"");
}

TEST(Catalog, MissingSource_IsAnError) {
  std::string text = std::string(kHeader) +
                     "[[usb]]\nid = \"usb.a\"\ntitle = \"t\"\nkind = \"ip_kvm\"\nvid = \"1d6b\"\nseverity = \"high\"\n";
  EXPECT_EQ(error_of(text), "catalog.toml:2: entry usb.a: missing \"source\"");
}

TEST(Catalog, BadSeverityPortPnpAndSyntax_AreErrorsWithLines) {
  EXPECT_NE(error_of(std::string(kHeader) + "[[usb]]\nid = \"usb.a\"\ntitle = \"t\"\nkind = \"ip_kvm\"\nvid = \"1d6b\"\n"
                                             "severity = \"severe\"\nsource = \"s\"\n")
                .find("catalog.toml:7: entry usb.a: severity \"severe\""),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kHeader) +
                     "[[remote_tool]]\nid = \"remote.x\"\ntitle = \"t\"\nname = \"X\"\ncategory = \"remote_control\"\n"
                     "ports = [70000]\nseverity = \"low\"\nsource = \"s\"\n")
                .find("catalog.toml:7: entry remote.x: port is not an integer 1..65535"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kHeader) + "[[edid]]\nid = \"edid.x\"\ntitle = \"t\"\nkind = \"ip_kvm\"\npnp = \"lnx\"\n"
                                             "severity = \"high\"\nsource = \"s\"\n")
                .find("pnp \"lnx\" is not three capital letters"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kHeader) + "[[usb]]\nid = \"usb.a\"\ntitle = \"t\n").find("catalog.toml:4:"),
            std::string::npos);
  EXPECT_NE(error_of("[[usb]]\n").find("missing top-level version"), std::string::npos);
  EXPECT_NE(error_of(std::string(kHeader) + "[[usbb]]\nid = \"x\"\n").find("catalog.toml:2: unknown section \"usbb\""),
            std::string::npos);
}

TEST(Catalog, UnitNameTheAgentCouldNeverMatch_IsAnError) {
  std::string text = std::string(kHeader) +
                     "[[remote_tool]]\nid = \"remote.x\"\ntitle = \"t\"\nname = \"X\"\ncategory = \"remote_control\"\n"
                     "linux_services = [\"x-agent-\"]\nseverity = \"low\"\nsource = \"s\"\n";
  EXPECT_EQ(error_of(text), "catalog.toml:2: entry remote.x: linux_services entry \"x-agent-\" is not a unit name, "
                            "\"name.service\" or template \"name@\"");
}

TEST(Catalog, ToolIdPrefixFollowsCategory) {
  std::string text = std::string(kHeader) +
                     "[[remote_tool]]\nid = \"remote.astrill\"\ntitle = \"t\"\nname = \"A\"\ncategory = \"vpn\"\n"
                     "severity = \"high\"\nsource = \"s\"\n";
  EXPECT_EQ(error_of(text), "catalog.toml:3: entry remote.astrill: id must start with \"vpn.\"");
}

TEST(Catalog, LoadFileByPath_UsesItsFileNameInErrors) {
  auto dir = std::filesystem::temp_directory_path() / ("telltale-catalog-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "site.toml") << "version = \"site-7\"\n[[usb]]\nid = \"usb.lab_kvm\"\ntitle = \"lab\"\n"
                                        "kind = \"ip_kvm\"\nvid = \"abcd\"\npid = \"0001\"\nseverity = \"critical\"\n"
                                        "source = \"internal asset register\"\n";
    std::ofstream(dir / "bad.toml") << "version = \"x\"\n[[usb]]\nid = \"usb.b\"\n";
  }
  Catalog c = Catalog::load_file(dir / "site.toml");
  EXPECT_EQ(c.version(), "site-7");
  ASSERT_EQ(c.usb().size(), 1u);
  EXPECT_EQ(*c.usb()[0].vid, 0xabcd);
  try {
    Catalog::load_file(dir / "bad.toml");
    ADD_FAILURE() << "expected an error";
  } catch (const CatalogError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("bad.toml:2: entry usb.b: missing \"title\"", 0), 0u) << e.what();
  }
  EXPECT_THROW(Catalog::load_file(dir / "absent.toml"), CatalogError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace telltale::detect
