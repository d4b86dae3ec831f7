#include <gtest/gtest.h>

#include "mamori/policy/PolicyLoader.h"

#include <google/protobuf/util/message_differencer.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using mamori::policy::PolicyError;
using mamori::policy::PolicyLoader;
namespace v1 = mamori::v1;
namespace fs = std::filesystem;

namespace {

const fs::path kProfiles = fs::path(MAMORI_SOURCE_DIR) / "installer" / "profiles";

bool hasJapanese(const std::string& s) {
    // Kana and kanji are encoded in UTF-8 with lead bytes E3-E9.
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0xE3 && b <= 0xE9) return true;
    }
    return false;
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Loads yaml that has exactly one mistake and returns that mistake, checking on the way
// that an administrator gets both languages and the compiler-style position.
PolicyError onlyError(const std::string& yaml) {
    const auto r = PolicyLoader::load(yaml, "city.yaml");
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.errors().size(), 1u) << r.formatErrors();
    if (r.errors().empty()) return {};
    const PolicyError& e = r.errors().front();
    EXPECT_EQ(e.file, "city.yaml");
    EXPECT_FALSE(e.message.empty());
    EXPECT_TRUE(hasJapanese(e.message_ja)) << e.message_ja;
    const std::string formatted = e.format();
    const std::string where =
        e.line > 0 ? "city.yaml:" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": error: "
                   : "city.yaml: error: ";
    EXPECT_EQ(formatted.rfind(where, 0), 0u) << formatted;
    EXPECT_NE(formatted.find(e.message_ja), std::string::npos);
    return e;
}

#define EXPECT_ERROR_AT(yaml, l, c, fragment)                                   \
    do {                                                                        \
        const PolicyError err_ = onlyError(yaml);                               \
        EXPECT_EQ(err_.line, l) << err_.format();                               \
        EXPECT_EQ(err_.column, c) << err_.format();                             \
        EXPECT_NE(err_.message.find(fragment), std::string::npos) << err_.format(); \
    } while (0)

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "mamori-policy-XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path write(const std::string& name, const std::string& content) const {
        std::ofstream(path / name, std::ios::binary) << content;
        return path / name;
    }
};

// ---------------------------------------------------------------------------------------------
// Sample profiles and defaults

TEST(PolicyLoader, SampleProfilesLoad) {
    for (const char* name : {"default.yaml", "mynumber.yaml", "lgwan.yaml"}) {
        const auto r = PolicyLoader::loadFile(kProfiles / name);
        EXPECT_TRUE(r.ok()) << name << "\n" << r.formatErrors();
    }
}

TEST(PolicyLoader, MyNumberProfileIsStrict) {
    const auto r = PolicyLoader::loadFile(kProfiles / "mynumber.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    const v1::Policy& p = r.policy();
    EXPECT_EQ(p.name(), "mynumber");
    EXPECT_EQ(p.usb().mode(), v1::ENFORCE);
    EXPECT_EQ(p.usb().default_action(), v1::BLOCK);
    ASSERT_EQ(p.usb().devices_size(), 2);
    for (const auto& d : p.usb().devices()) {
        EXPECT_EQ(d.action(), v1::ALLOW_READONLY) << d.id();
        EXPECT_EQ(d.vendor_id(), 0x0781u);
        EXPECT_EQ(d.product_id(), 0x5581u);
        EXPECT_FALSE(d.approved_by().empty());
    }
    bool storage_blocked = false;
    for (const auto& rule : p.usb().class_rules()) {
        if (rule.interface_class() == 0x08) storage_blocked = rule.action() == v1::BLOCK;
    }
    EXPECT_TRUE(storage_blocked);
    EXPECT_EQ(p.software().mode(), v1::ENFORCE);
    EXPECT_GT(p.software().allowed_packages_size(), 10);
    EXPECT_EQ(p.screen_lock().idle_minutes(), 5u);
    ASSERT_EQ(p.hours().windows_size(), 1);
    EXPECT_EQ(p.hours().windows(0).start_minute(), 8u * 60 + 30);
    EXPECT_EQ(p.hours().windows(0).end_minute(), 17u * 60 + 45);
}

TEST(PolicyLoader, LgwanProfileAllowsRegisteredEncryptedSticks) {
    const auto r = PolicyLoader::loadFile(kProfiles / "lgwan.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    int read_write = 0;
    for (const auto& d : r.policy().usb().devices()) read_write += d.action() == v1::ALLOW;
    EXPECT_GE(read_write, 1);
    ASSERT_EQ(r.policy().exceptions_size(), 1);
    EXPECT_TRUE(r.policy().exceptions(0).hours_extension());
    EXPECT_NE(r.policy().exceptions(0).requested_by(), r.policy().exceptions(0).approved_by());
    // 税務課's extension is for 税務課's terminals, not for every terminal of the tier.
    EXPECT_EQ(r.policy().exceptions(0).group(), "税務課");
    EXPECT_EQ(r.policy().exceptions(0).terminal(), "");
}

TEST(PolicyLoader, BuiltInDefaultIsTheShippedDefaultYaml) {
    EXPECT_EQ(PolicyLoader::builtInDefaultYaml(), readFile(kProfiles / "default.yaml"));
    const auto file = PolicyLoader::loadFile(kProfiles / "default.yaml");
    ASSERT_TRUE(file.ok()) << file.formatErrors();
    const v1::Policy builtin = PolicyLoader::builtInDefault();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(builtin, file.policy()))
        << builtin.DebugString() << "\nvs\n"
        << file.policy().DebugString();
}

TEST(PolicyLoader, BuiltInDefaultIsSecure) {
    // DESIGN: without any policy the agent blocks USB storage and locks after 5 minutes.
    const v1::Policy p = PolicyLoader::builtInDefault();
    EXPECT_EQ(p.usb().mode(), v1::ENFORCE);
    EXPECT_EQ(p.usb().default_action(), v1::BLOCK);
    std::map<std::uint32_t, v1::UsbAction> by_class;
    for (const auto& r : p.usb().class_rules()) by_class.emplace(r.interface_class(), r.action());
    EXPECT_EQ(by_class[0x08], v1::BLOCK);
    EXPECT_EQ(by_class[0x06], v1::BLOCK);
    EXPECT_EQ(by_class[0x03], v1::ALLOW);
    EXPECT_EQ(by_class[0x09], v1::ALLOW);
    EXPECT_EQ(by_class[0x0b], v1::ALLOW);
    EXPECT_EQ(p.screen_lock().mode(), v1::ENFORCE);
    EXPECT_EQ(p.screen_lock().idle_minutes(), 5u);
    EXPECT_EQ(p.hours().time_zone(), "Asia/Tokyo");
    EXPECT_TRUE(p.hours().national_holidays_closed());
    EXPECT_TRUE(p.hours().year_end_closed());
    EXPECT_EQ(p.software().decision_deadline_ms(), 250u);
}

TEST(PolicyLoader, OmittedSectionsComeFromTheBuiltInDefault) {
    const auto r = PolicyLoader::load("name: tiny\nscreen_lock: {idle_minutes: 3}\n", "tiny.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    const v1::Policy def = PolicyLoader::builtInDefault();
    using google::protobuf::util::MessageDifferencer;
    EXPECT_TRUE(MessageDifferencer::Equals(r.policy().usb(), def.usb()));
    EXPECT_TRUE(MessageDifferencer::Equals(r.policy().hours(), def.hours()));
    EXPECT_TRUE(MessageDifferencer::Equals(r.policy().software(), def.software()));
    EXPECT_EQ(r.policy().screen_lock().idle_minutes(), 3u);
    EXPECT_EQ(r.policy().screen_lock().mode(), v1::ENFORCE);  // per-setting default inside a section
    EXPECT_EQ(r.policy().version(), 0u);
}

TEST(PolicyLoader, SettingsInAFlowOrBlockStyleMeanTheSame) {
    const auto r = PolicyLoader::load(R"(name: s
usb:
  devices:
    - id: A-1
      vendor: 0781
      product: "558a"
      serial: ""
      access: rw
      port: "1-1.2"
hours:
  weekdays: [月, 火, wednesday, Thu, fri, mon]
  windows: ["08:30-12:00", "13:00 - 17:45", "22:00-24:00"]
  closed_dates: [2026-08-14, 2026-08-13, 2026-08-14]
software:
  mode: enforce
  allowed_packages: ["firefox-esr >= 115", {name: "libreoffice-*", version: ">=7.4"}]
  allowed_sha256: [9F2C6A1D0B7E4F3A8C5D2E1F0A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F2A1B]
reporting: {journal_max_bytes: 1 GiB}
)", "s.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    const auto& p = r.policy();
    ASSERT_EQ(p.usb().devices_size(), 1);
    EXPECT_EQ(p.usb().devices(0).vendor_id(), 0x0781u);
    EXPECT_EQ(p.usb().devices(0).product_id(), 0x558au);
    EXPECT_EQ(p.usb().devices(0).serial(), "");
    EXPECT_EQ(p.usb().devices(0).action(), v1::ALLOW);
    EXPECT_EQ(p.usb().devices(0).port(), "1-1.2");
    EXPECT_EQ(p.hours().weekdays_size(), 5);  // mon twice counts once
    ASSERT_EQ(p.hours().windows_size(), 3);
    EXPECT_EQ(p.hours().windows(1).start_minute(), 13u * 60);
    EXPECT_EQ(p.hours().windows(2).end_minute(), 24u * 60);
    ASSERT_EQ(p.hours().closed_dates_size(), 2);
    EXPECT_EQ(p.hours().closed_dates(0), "2026-08-13");
    ASSERT_EQ(p.software().allowed_packages_size(), 2);
    EXPECT_EQ(p.software().allowed_packages(0).name(), "firefox-esr");
    EXPECT_EQ(p.software().allowed_packages(0).version(), ">= 115");
    EXPECT_EQ(p.software().allowed_packages(1).version(), ">= 7.4");
    EXPECT_EQ(p.software().allowed_sha256(0), "9f2c6a1d0b7e4f3a8c5d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b");
    EXPECT_EQ(p.reporting().journal_max_bytes(), 1ull << 30);
}

TEST(PolicyLoader, ExceptionExpiryIsTheEndOfTheLocalDay) {
    const auto r = PolicyLoader::load(R"(name: e
exceptions:
  - {id: EX-1, control: hours, terminal: MN-012, reason: 確定申告, requested_by: 税務課長, approved_by: CISO, expires: 2026-03-31}
  - {id: EX-2, control: usb, group: 市民課, reason: 転入データ, requested_by: 市民課長, approved_by: CISO,
     expires: "2026-03-31 17:45", device: "0781:5581:4C53", access: read-only}
  - {id: EX-3, control: software, terminal: MN-001, reason: 移行ツール, requested_by: a, approved_by: b,
     expires: 2026-04-01, sha256: 9f2c6a1d0b7e4f3a8c5d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b}
)", "e.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    const auto& ex = r.policy().exceptions();
    ASSERT_EQ(ex.size(), 3);
    EXPECT_EQ(ex[0].expires_unix(), 1774969200);  // 2026-04-01 00:00 JST
    EXPECT_TRUE(ex[0].hours_extension());
    EXPECT_EQ(ex[0].terminal(), "MN-012");
    EXPECT_EQ(ex[1].expires_unix(), 1774946700);  // 2026-03-31 17:45 JST
    EXPECT_EQ(ex[1].usb_device(), "0781:5581:4C53");
    EXPECT_EQ(ex[1].usb_action(), v1::ALLOW_READONLY);
    EXPECT_EQ(ex[1].group(), "市民課");
    EXPECT_EQ(ex[2].control(), v1::SOFTWARE);
}

// ---------------------------------------------------------------------------------------------
// The last good policy is never replaced by a bad one

TEST(PolicyLoader, BadLoadLeavesTheLastGoodPolicyUntouched) {
    // The agent and the collector keep the policy they apply and replace it only with a
    // complete, validated one: a failed load hands back errors and nothing else.
    v1::Policy current = PolicyLoader::builtInDefault();
    std::vector<std::string> log;
    auto reload = [&](const std::string& yaml) {
        auto result = PolicyLoader::load(yaml, "pushed.yaml");
        if (!result) {
            for (const auto& e : result.errors()) log.push_back(e.format());
            return false;
        }
        current = std::move(result).policy();
        return true;
    };

    ASSERT_TRUE(reload("name: v1\nscreen_lock: {idle_minutes: 7}\n"));
    const v1::Policy good = current;
    EXPECT_EQ(current.screen_lock().idle_minutes(), 7u);

    // Valid up to the last line: a partial policy would already have idle_minutes 3.
    EXPECT_FALSE(reload("name: v2\nscreen_lock: {idle_minutes: 3}\nhours: {windows: [\"08:30-25:00\"]}\n"));
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(current, good));
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("pushed.yaml:3:19: error:"), std::string::npos) << log[0];

    EXPECT_FALSE(reload("name: v3\nusb: [\n"));  // not even YAML
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(current, good));

    ASSERT_TRUE(reload("name: v4\n"));
    EXPECT_EQ(current.name(), "v4");
}

TEST(PolicyLoader, FailedResultHasNoPolicyToTake) {
    const auto r = PolicyLoader::load("name: [\n", "x.yaml");
    ASSERT_FALSE(r);
    EXPECT_THROW((void)r.policy(), std::logic_error);
}

// ---------------------------------------------------------------------------------------------
// Malformed profiles: each points at the exact spot, in English and Japanese

TEST(PolicyLoader, FailedLogonLimitDefaultsToThreeInTenMinutes) {
    const auto r = PolicyLoader::load("name: x\nhours: {mode: enforce}\n", "x.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    EXPECT_EQ(r.policy().hours().failed_logon_limit(), 3u);
    EXPECT_EQ(r.policy().hours().failed_logon_window_minutes(), 10u);
    EXPECT_EQ(PolicyLoader::builtInDefault().hours().failed_logon_limit(), PolicyLoader::kFailedLogonLimit);

    const auto set = PolicyLoader::load("name: x\nhours:\n  failed_logons: {limit: 5, within_minutes: 30}\n", "x.yaml");
    ASSERT_TRUE(set.ok()) << set.formatErrors();
    EXPECT_EQ(set.policy().hours().failed_logon_limit(), 5u);
    EXPECT_EQ(set.policy().hours().failed_logon_window_minutes(), 30u);

    const auto one = PolicyLoader::load("name: x\nhours:\n  failed_logons:\n    limit: 1\n", "x.yaml");
    ASSERT_TRUE(one.ok()) << one.formatErrors();
    EXPECT_EQ(one.policy().hours().failed_logon_limit(), 1u);
    EXPECT_EQ(one.policy().hours().failed_logon_window_minutes(), 10u);  // the other keeps its default
}

TEST(PolicyLoader, FailedLogonLimitIsChecked) {
    EXPECT_ERROR_AT("name: x\nhours:\n  failed_logons: {limit: 0}\n", 3, 26, "hours.failed_logons.limit must be a whole number of failed logons from 1 to 100");
    EXPECT_ERROR_AT("name: x\nhours:\n  failed_logons: {within_minutes: 1441}\n", 3, 35, "from 1 to 1440");
    EXPECT_ERROR_AT("name: x\nhours:\n  failed_logons: {limt: 3}\n", 3, 19, "did you mean \"limit\"");
    EXPECT_ERROR_AT("name: x\nhours:\n  failed_logons: 3\n", 3, 18, "must be a set of key: value settings");
    EXPECT_ERROR_AT("name: x\nhours:\n  failed_logon: {limit: 3}\n", 3, 3, "did you mean \"failed_logons\"");
}

TEST(PolicyLoader, ExceptionsLastNinetyDaysUnlessTheProfileSaysOtherwise) {
    EXPECT_EQ(PolicyLoader::builtInDefault().max_exception_days(), 90u);
    const auto r = PolicyLoader::load("name: x\nmax_exception_days: 30\n", "p.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    EXPECT_EQ(r.policy().max_exception_days(), 30u);
    EXPECT_ERROR_AT("name: x\nmax_exception_days: 400\n", 2, 21, "from 1 to 365");
    EXPECT_ERROR_AT("name: x\nmax_exception_days: 0\n", 2, 21, "from 1 to 365");
    EXPECT_ERROR_AT("name: x\nmax_exception_day: 3\n", 2, 1, "did you mean \"max_exception_days\"");
}

TEST(PolicyLoader, TheHelpdeskIsOneShortLineShownInEveryNotice) {
    const auto r = PolicyLoader::load("name: x\nhelpdesk: 情報政策課 内線1234\n", "p.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    EXPECT_EQ(r.policy().helpdesk(), "情報政策課 内線1234");
    EXPECT_TRUE(PolicyLoader::load("name: x\n", "p.yaml").policy().helpdesk().empty());
    EXPECT_ERROR_AT("name: x\nhelpdesk: \"a\\nb\"\n", 2, 11, "keep it on one line");
    EXPECT_ERROR_AT("name: x\nhelpdesk: " + std::string(201, 'x') + "\n", 2, 11, "longer than 200 bytes");
    EXPECT_ERROR_AT("name: x\nhelpdesk:\n", 2, 1, "helpdesk has no value");
}

TEST(PolicyLoader, AProfileThatIsNotUtf8IsRefusedAndShiftJisIsNamedWithTheCommandThatConvertsIt) {
    // 情報政策課 as Windows saves it (CP932), on line 2.
    const std::string sjis = "name: x\ndescription: \x8F\xEE\x95\xF1\x90\xAD\x8D\xF4\x89\xDB\n";
    auto r = PolicyLoader::load(sjis, "city.yaml");
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.errors().size(), 1u);
    EXPECT_EQ(r.errors()[0].line, 2);
    EXPECT_EQ(r.errors()[0].column, 14);
    EXPECT_NE(r.errors()[0].message.find("reads as Shift_JIS (CP932)"), std::string::npos) << r.formatErrors();
    EXPECT_NE(r.errors()[0].message.find("iconv -f CP932 -t UTF-8 city.yaml > city.yaml.utf8"), std::string::npos);
    EXPECT_NE(r.errors()[0].message_ja.find("Shift_JIS"), std::string::npos);
    // Neither UTF-8 nor CP932 (0x80 alone is undefined in both).
    r = PolicyLoader::load("name: x\n\n  # \x80\n", "city.yaml");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.errors()[0].line, 3);
    EXPECT_NE(r.errors()[0].message.find("not UTF-8 (nor Shift_JIS)"), std::string::npos) << r.formatErrors();
    r = PolicyLoader::load(std::string("\xFF\xFEn\0a\0", 6), "city.yaml");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.errors()[0].message.find("iconv -f UTF-16 -t UTF-8"), std::string::npos) << r.formatErrors();
    // A UTF-8 BOM, as Notepad writes it, is fine.
    EXPECT_TRUE(PolicyLoader::load("\xEF\xBB\xBFname: x\ndescription: 情報政策課\n", "city.yaml").ok());
}

TEST(PolicyLoader, JournalCapLeftOutIsTheTerminalsOwn) {
    EXPECT_EQ(PolicyLoader::builtInDefault().reporting().journal_max_bytes(), 0u);
    const auto r = PolicyLoader::loadFile(kProfiles / "mynumber.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    EXPECT_EQ(r.policy().reporting().journal_max_bytes(), 128ull << 20);
}

TEST(PolicyLoader, UnknownKeySuggestsTheNearestOne) {
    EXPECT_ERROR_AT("name: x\nhours:\n  windws: [\"08:30-17:45\"]\n", 3, 3, "did you mean \"windows\"");
    EXPECT_ERROR_AT("name: x\nusb:\n  mode: enforce\n  defualt: block\n", 4, 3, "did you mean \"default\"");
    EXPECT_ERROR_AT("name: x\nscren_lock: {idle_minutes: 5}\n", 2, 1, "did you mean \"screen_lock\"");
    // Nothing close: list what is allowed instead.
    EXPECT_ERROR_AT("name: x\nfirewall: on\n", 2, 1, "the keys here are name, description, usb");
    EXPECT_ERROR_AT("name: x\nusb:\n  devices:\n    - {id: a, vendor: \"0781\", product: \"5581\", serial: s, owner_section: x}\n",
                    4, 59, "did you mean \"owner\"");
}

TEST(PolicyLoader, RepeatedKeyIsAnError) {
    EXPECT_ERROR_AT("name: x\nscreen_lock:\n  idle_minutes: 5\n  idle_minutes: 10\n", 4, 3, "appears twice");
}

TEST(PolicyLoader, WrongTypes) {
    EXPECT_ERROR_AT("name: x\nusb: 5\n", 2, 6, "must be a set of key: value settings");
    EXPECT_ERROR_AT("name: x\nhours:\n  weekdays: mon\n", 3, 13, "must be a list");
    EXPECT_ERROR_AT("name: x\nscreen_lock:\n  idle_minutes: five\n", 3, 17, "whole number of minutes from 1 to 120");
    EXPECT_ERROR_AT("name: x\nscreen_lock:\n  idle_minutes: 0\n", 3, 17, "from 1 to 120");
    EXPECT_ERROR_AT("name: x\nscreen_lock:\n  audit_settings: maybe\n", 3, 19, "true or false");
    EXPECT_ERROR_AT("name: x\nscreen_lock:\n  idle_minutes: [5]\n", 3, 17, "single value");
    EXPECT_ERROR_AT("name: x\nscreen_lock:\n  idle_minutes:\n", 3, 3, "has no value");
    EXPECT_ERROR_AT("name: x\nreporting: {journal_max_bytes: 10 TB}\n", 2, 32, "1 MiB to 16 GiB");
}

TEST(PolicyLoader, BadTimes) {
    EXPECT_ERROR_AT("name: x\nhours:\n  windows: [\"25:00-26:00\"]\n", 3, 13, "hour 25");
    EXPECT_ERROR_AT("name: x\nhours:\n  windows: [\"8:3x-17:45\"]\n", 3, 13, "\"8:3x\" is not a time of day");
    EXPECT_ERROR_AT("name: x\nhours:\n  windows:\n    - 08:30-17:60\n", 4, 7, "minute 60");
    EXPECT_ERROR_AT("name: x\nhours:\n  windows: [0830-1745]\n", 3, 13, "not a time of day");
    EXPECT_ERROR_AT("name: x\nhours:\n  windows: [\"24:00-24:00\"]\n", 3, 13, "hour 24");
    EXPECT_ERROR_AT("name: x\nhours:\n  windows: [morning]\n", 3, 13, "not a time window");
}

TEST(PolicyLoader, WindowMustEndAfterItStarts) {
    EXPECT_ERROR_AT("name: x\nhours:\n  windows: [\"17:45-08:30\"]\n", 3, 13, "does not end after it starts");
    EXPECT_ERROR_AT("name: x\nhours:\n  windows: [\"08:30-08:30\"]\n", 3, 13, "does not end after it starts");
    EXPECT_ERROR_AT("name: x\nhours:\n  windows: [\"08:00-12:00\", \"11:00-13:00\"]\n", 3, 28, "overlaps");
    EXPECT_ERROR_AT("name: x\nhours:\n  windows: []\n", 3, 3, "never be in operating hours");
}

TEST(PolicyLoader, UsbIdsAreFourHexDigits) {
    const std::string head = "name: x\nusb:\n  devices:\n    - id: s1\n";
    EXPECT_ERROR_AT(head + "      vendor: \"781\"\n      product: \"5581\"\n      serial: A\n", 5, 15, "not a USB vendor id");
    EXPECT_ERROR_AT(head + "      vendor: \"0781\"\n      product: 55g1\n      serial: A\n", 6, 16, "not a USB product id");
    EXPECT_ERROR_AT(head + "      vendor: 0x0781\n      product: \"5581\"\n      serial: A\n", 5, 15, "exactly 4 hexadecimal digits");
    EXPECT_ERROR_AT(head + "      vendor: \"07810\"\n      product: \"5581\"\n      serial: A\n", 5, 15, "not a USB vendor id");
    EXPECT_ERROR_AT(head + "      vendor: \"0781\"\n      product: \"5581\"\n", 4, 7, "has no serial");
}

TEST(PolicyLoader, DuplicateDeviceIsAnError) {
    const PolicyError e = onlyError(R"(name: x
usb:
  devices:
    - {id: MN-1, vendor: "0781", product: "5581", serial: "4C53"}
    - {id: MN-2, vendor: "0781", product: "5582", serial: "4C53"}
    - {id: MN-3, vendor: "0781", product: "5581", serial: "4C53"}
)");
    EXPECT_EQ(e.line, 6);
    EXPECT_EQ(e.column, 7);
    EXPECT_NE(e.message.find("registered twice"), std::string::npos);
    EXPECT_NE(e.message.find("\"MN-1\" on line 4"), std::string::npos) << e.message;
    EXPECT_NE(e.message_ja.find("2 回登録"), std::string::npos);
    // Hex digits are compared as numbers, so case does not hide a duplicate.
    EXPECT_ERROR_AT(R"(name: x
usb:
  devices:
    - {id: MN-1, vendor: "04bb", product: "0C0A", serial: "S"}
    - {id: MN-2, vendor: "04BB", product: "0c0a", serial: "S"}
)", 5, 7, "registered twice");
    EXPECT_ERROR_AT(R"(name: x
usb:
  devices:
    - {id: MN-1, vendor: "04bb", product: "0c0a", serial: "S1"}
    - {id: MN-1, vendor: "04bb", product: "0c0a", serial: "S2"}
)", 5, 7, "id \"MN-1\" is used twice");
}

TEST(PolicyLoader, BadWords) {
    EXPECT_ERROR_AT("name: x\nusb:\n  mode: enforcing\n", 3, 9, "did you mean \"enforce\"");
    EXPECT_ERROR_AT("name: x\nusb:\n  default: deny\n", 3, 12, "must be one of allow, block");
    EXPECT_ERROR_AT("name: x\nusb:\n  class_rules: [{class: hid, action: permit}]\n", 3, 38, "must be one of allow, block, read-only");
    EXPECT_ERROR_AT("name: x\nusb:\n  class_rules: [{class: 10, action: block}]\n", 3, 25, "not a USB interface class");
    EXPECT_ERROR_AT("name: x\nusb:\n  class_rules: [{class: mass_storge, action: block}]\n", 3, 25, "did you mean \"mass-storage\"");
    EXPECT_ERROR_AT("name: x\nusb:\n  class_rules: [{class: hid, action: read-only}]\n", 3, 38, "read-only applies only to storage");
    EXPECT_ERROR_AT("name: x\nhours:\n  action: shutdown\n", 3, 11, "report, warn, lock, logoff");
    EXPECT_ERROR_AT("name: x\nhours:\n  weekdays: [mon, tues, wed]\n", 3, 19, "did you mean \"tue\"");
    EXPECT_ERROR_AT("name: x\nhours:\n  national_holidays: yes\n", 3, 22, "closed, open");
    EXPECT_ERROR_AT("name: x\nsoftware:\n  denied_categories: [torrent]\n", 3, 23, "not a built-in category");
    EXPECT_ERROR_AT("name: x\nsoftware:\n  on_deadline: block\n", 3, 16, "allow, deny");
    EXPECT_ERROR_AT("name: x\nsoftware:\n  allowed_packages: [LibreOffice]\n", 3, 22, "not a Debian package name");
    EXPECT_ERROR_AT("name: x\nsoftware:\n  allowed_packages: [\"firefox-esr > 115\"]\n", 3, 22, "not a Debian version constraint");
    EXPECT_ERROR_AT("name: x\nsoftware:\n  allowed_path_prefixes: [/opt/app]\n", 3, 27, "must end with \"/\"");
    EXPECT_ERROR_AT("name: x\nsoftware:\n  allowed_path_prefixes: [/]\n", 3, 27, "every program");
    EXPECT_ERROR_AT("name: x\nsoftware:\n  scan_paths: [home]\n", 3, 16, "absolute path");
    EXPECT_ERROR_AT("name: x\nscreen_lock:\n  lock_command: xdg-screensaver lock\n", 3, 17, "absolute path");
}

TEST(PolicyLoader, BadDates) {
    EXPECT_ERROR_AT("name: x\nhours:\n  closed_dates: [2026-02-30]\n", 3, 18, "\"2026-02-30\" is not a valid date");
    EXPECT_ERROR_AT("name: x\nhours:\n  closed_dates: [2026/05/01]\n", 3, 18, "YYYY-MM-DD");
    EXPECT_ERROR_AT(
        "name: x\nusb:\n  devices:\n    - {id: a, vendor: \"0781\", product: \"5581\", serial: s, expires: 2027-3-31}\n",
        4, 68, "not a valid date");
    EXPECT_ERROR_AT(R"(name: x
exceptions:
  - {id: E, control: hours, terminal: t, reason: r, requested_by: a, approved_by: b, expires: "2026-03-31 25:00"}
)", 3, 95, "not a date or date and time");
}

TEST(PolicyLoader, BadSha256) {
    EXPECT_ERROR_AT("name: x\nsoftware:\n  allowed_sha256:\n    - abc123\n", 4, 7, "not a SHA-256 hash");
    const std::string z63(63, 'a');
    EXPECT_ERROR_AT("name: x\nsoftware:\n  allowed_sha256: [" + z63 + "g]\n", 3, 20, "not a SHA-256 hash");
}

TEST(PolicyLoader, UnknownTimeZone) {
    EXPECT_ERROR_AT("name: x\nhours:\n  time_zone: Asia/Tokio\n", 3, 14, "did you mean \"Asia/Tokyo\"");
    EXPECT_ERROR_AT("name: x\nhours:\n  time_zone: ../../etc/passwd\n", 3, 14, "not a known time zone");
    EXPECT_ERROR_AT("name: x\nhours:\n  time_zone: JST\n", 3, 14, "not a known time zone");
}

TEST(PolicyLoader, SoftwareEnforceNeedsAnAllowlist) {
    EXPECT_ERROR_AT("name: x\nsoftware:\n  mode: enforce\n", 3, 9, "nothing is allowed");
    EXPECT_ERROR_AT(
        "name: x\nsoftware:\n  mode: enforce\n  allowed_packages: []\n  allowed_sha256: []\n  allowed_path_prefixes: []\n",
        3, 9, "nothing is allowed");
    // In monitor mode an empty list only means every program is reported.
    EXPECT_TRUE(PolicyLoader::load("name: x\nsoftware:\n  mode: monitor\n", "x.yaml").ok());
    // A typo in the only entry is reported as that typo, not also as an empty list.
    EXPECT_ERROR_AT("name: x\nsoftware:\n  mode: enforce\n  allowed_sha256: [xyz]\n", 4, 20, "not a SHA-256 hash");
}

TEST(PolicyLoader, ExceptionsNeedExpiryAndTwoPeople) {
    EXPECT_ERROR_AT(R"(name: x
exceptions:
  - id: EX-1
    control: hours
    terminal: MN-012
    reason: 時間外
    requested_by: 税務課長
    approved_by: CISO
)", 3, 5, "has no expires");
    const PolicyError same = onlyError(R"(name: x
exceptions:
  - id: EX-2
    control: hours
    terminal: MN-012
    reason: 時間外
    requested_by: 山田 太郎
    approved_by: " 山田　太郎 "
    expires: 2026-03-31
)");
    EXPECT_EQ(same.line, 8);
    EXPECT_EQ(same.column, 18);
    EXPECT_NE(same.message.find("approved by the person who requested it"), std::string::npos);
    EXPECT_NE(same.message_ja.find("申請者と承認者は別の人"), std::string::npos);
    EXPECT_ERROR_AT(R"(name: x
exceptions:
  - {id: EX-3, control: usb, terminal: t, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31}
)", 3, 5, "has no device");
    EXPECT_ERROR_AT(R"(name: x
exceptions:
  - {id: EX-6, control: screen_lock, terminal: t, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31}
)", 3, 25, "the screen lock takes no exceptions");
    EXPECT_ERROR_AT(R"(name: x
exceptions:
  - {id: EX-4, control: hours, terminal: t, group: g, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31}
)", 3, 45, "both a terminal and a group");
    EXPECT_ERROR_AT(R"(name: x
exceptions:
  - {id: EX-5, control: hours, terminal: t, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31,
     sha256: 9f2c6a1d0b7e4f3a8c5d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b}
)", 4, 6, "applies only to control: software");
    EXPECT_ERROR_AT(R"(name: x
exceptions:
  - {id: EX-6, control: printer, terminal: t, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31}
)", 3, 25, "usb, hours, software, screen_lock");
}

// An exception applies only where it says: one without a scope would reach every terminal the
// profile is pushed to (as lgwan.yaml's 税務課 extension once did).
TEST(PolicyLoader, AnExceptionNeedsExactlyOneScope) {
    const PolicyError none = onlyError(R"(name: x
exceptions:
  - id: EX-1
    control: hours
    reason: 確定申告
    requested_by: 税務課長
    approved_by: CISO
    expires: 2026-03-31
)");
    EXPECT_EQ(none.line, 3);
    EXPECT_EQ(none.column, 5);
    EXPECT_NE(none.message.find("has no scope, so it would apply to every terminal"), std::string::npos) << none.message;
    EXPECT_NE(none.message_ja.find("すべての端末に適用されてしまいます"), std::string::npos) << none.message_ja;
    // A user alone is no scope: it would still reach every terminal.
    EXPECT_ERROR_AT(R"(name: x
exceptions:
  - {id: EX-2, control: hours, user: tanaka, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31}
)", 3, 5, "has no scope");
    EXPECT_ERROR_AT(R"(name: x
exceptions:
  - {id: EX-3, control: hours, group: "", reason: r, requested_by: a, approved_by: b, expires: 2026-03-31}
)", 3, 39, "exceptions.group is empty");
    const auto ok = PolicyLoader::load(R"(name: x
exceptions:
  - {id: EX-4, control: hours, group: 税務課, user: tanaka, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31}
)", "x.yaml");
    ASSERT_TRUE(ok.ok()) << ok.formatErrors();
    EXPECT_EQ(ok.policy().exceptions(0).group(), "税務課");
    EXPECT_EQ(ok.policy().exceptions(0).terminal(), "");
    EXPECT_EQ(ok.policy().exceptions(0).user(), "tanaka");
}

TEST(PolicyLoader, AUsbExceptionsDeviceIsCheckedAndNormalised) {
    const auto r = PolicyLoader::load(R"(name: x
exceptions:
  - {id: EX-1, control: usb, terminal: MN-1, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31,
     device: "04BB:0C0A:A1B2c3"}
  - {id: EX-2, control: usb, terminal: MN-1, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31,
     device: "04bb:0c0b", access: read-write}
)", "x.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    const auto& ex = r.policy().exceptions();
    EXPECT_EQ(ex[0].usb_device(), "04bb:0c0a:A1B2c3");
    EXPECT_EQ(ex[0].usb_action(), v1::ALLOW_READONLY) << "read-only unless read-write is written (004:376, 002:1020)";
    EXPECT_EQ(ex[1].usb_device(), "04bb:0c0b");
    EXPECT_EQ(ex[1].usb_action(), v1::ALLOW);
    const std::string head = R"(name: x
exceptions:
  - {id: EX-3, control: usb, terminal: t, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31,
     )";
    EXPECT_ERROR_AT(head + "device: \"781:5581:X\"}\n", 4, 14, "the vendor \"781\" is not 4 hexadecimal digits");
    EXPECT_ERROR_AT(head + "device: \"0781-5581-X\"}\n", 4, 14, "there is no \":\"");
    EXPECT_ERROR_AT(head + "device: \"0781:5581:\"}\n", 4, 14, "serial after the second \":\" is empty");
    EXPECT_ERROR_AT(head + "device: \"0781:5581:X\", access: block}\n", 4, 37, "read-write, read-only");
    EXPECT_ERROR_AT(head + "device: \"0781:5581:X\", user: tanaka}\n", 4, 29, "cannot be limited to a user");
    EXPECT_ERROR_AT(head + "device: \"0781:5581:X\", path: /opt/x}\n", 4, 29, "applies only to control: software");
    // The keys of the first draft are gone; the message lists the ones there are.
    const auto old_key = PolicyLoader::load(head + "usb_device: \"0781:5581:X\"}\n", "city.yaml");
    ASSERT_FALSE(old_key.ok());
    EXPECT_NE(old_key.formatErrors().find("city.yaml:4:6: error: unknown key \"usb_device\" in exceptions; the keys here "
                                          "are id, control, terminal, group, user, reason, requested_by, approved_by, "
                                          "expires, device, access, sha256, path"),
              std::string::npos)
        << old_key.formatErrors();
}

TEST(PolicyLoader, ASoftwareExceptionNamesOneProgramBySha256OrPath) {
    const auto r = PolicyLoader::load(R"(name: x
exceptions:
  - {id: EX-1, control: software, terminal: MN-1, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31,
     sha256: 9F2C6A1D0B7E4F3A8C5D2E1F0A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F2A1B}
  - {id: EX-2, control: software, group: 税務課, user: tanaka, reason: r, requested_by: a, approved_by: b,
     expires: 2026-03-31, path: /opt/migration/bin/convert}
)", "x.yaml");
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    const auto& ex = r.policy().exceptions();
    EXPECT_EQ(ex[0].software_sha256(), "9f2c6a1d0b7e4f3a8c5d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b");
    EXPECT_EQ(ex[0].software_path(), "");
    EXPECT_EQ(ex[1].software_path(), "/opt/migration/bin/convert");
    EXPECT_EQ(ex[1].software_sha256(), "");
    const std::string head = R"(name: x
exceptions:
  - {id: EX-3, control: software, terminal: t, reason: r, requested_by: a, approved_by: b, expires: 2026-03-31)";
    EXPECT_ERROR_AT(head + "}\n", 3, 5, "names no program");
    EXPECT_ERROR_AT(head + ",\n     sha256: 9f2c6a1d0b7e4f3a8c5d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b, path: /opt/x}\n", 4, 80,
                    "names both sha256 and path");
    EXPECT_ERROR_AT(head + ", sha256: abc}\n", 3, 121, "not a SHA-256 hash");
    EXPECT_ERROR_AT(head + ", path: opt/x}\n", 3, 119, "must be an absolute path");
    EXPECT_ERROR_AT(head + ", path: /opt/../bin/sh}\n", 3, 119, "without . or .. parts");
    EXPECT_ERROR_AT(head + ", path: /opt/migration/}\n", 3, 119, "is a directory");
    EXPECT_ERROR_AT(head + ", path: /opt/x, device: \"0781:5581:X\"}\n", 3, 127, "applies only to control: usb");
}

// The fuzzer mutates these; a seed that does not load would only ever exercise the error paths.
TEST(PolicyLoader, EveryFuzzSeedLoads) {
    int seeds = 0;
    for (const auto& f : fs::directory_iterator(fs::path(MAMORI_SOURCE_DIR) / "tests" / "fuzz" / "seeds" / "policy_yaml")) {
        const auto r = PolicyLoader::loadFile(f.path());
        // refused_*: bytes a profile must not be (Shift_JIS, UTF-16, broken UTF-8), refused at once.
        if (f.path().filename().string().rfind("refused_", 0) == 0) {
            EXPECT_FALSE(r.ok()) << f.path();
            EXPECT_EQ(r.errors().size(), 1u) << r.formatErrors();
            continue;
        }
        EXPECT_TRUE(r.ok()) << r.formatErrors();
        ++seeds;
    }
    EXPECT_GE(seeds, 4);
}

TEST(PolicyLoader, WholeFileProblems) {
    EXPECT_ERROR_AT("", 0, 0, "the file is empty");
    EXPECT_ERROR_AT("# only a comment\n", 0, 0, "the file is empty");
    EXPECT_ERROR_AT("- name: x\n", 1, 1, "must be a set of key: value settings");
    EXPECT_ERROR_AT("usb: {mode: enforce}\n", 1, 1, "has no name");
    EXPECT_ERROR_AT("name: x\n---\nname: y\n", 2, 1, "more than one YAML document");
    EXPECT_TRUE(PolicyLoader::load("---\nname: x\n...\n", "x.yaml").ok());
    EXPECT_ERROR_AT("name: x\nhours:\n  windows: [\"08:30-17:45\"\n  mode: enforce\n", 4, 3, "YAML syntax error");
    EXPECT_ERROR_AT("name: x\nusb:\n\tmode: enforce\n", 3, 1, "tab");
    EXPECT_ERROR_AT(std::string(PolicyLoader::kMaxBytes + 1, '#'), 0, 0, "larger than 1 MiB");
}

TEST(PolicyLoader, RegressionYamlCppLoadAllRepeatsADocumentForever) {
    // Found by fuzz_policy_yaml: yaml-cpp 0.7's LoadAll returns the document at line 5
    // again and again on this input instead of finishing.
    const std::string input =
        "# \xe3""\x99""\xe7""\xb3""\xbb"" \xe2""\x80""\x94"" strict profile for terminals that handle \xe7""\x89""\xb9""\xe5""\xae""\x9a""\xe5""\x80""\x8b""\xe4""\xba""\xba""\xe6""\x83""\x85""\xa0""\xb1"".\xe5""\n"
        "#\n"
        "# Rule numbers# (000:129 \xe2""\x80""\xa6"") point aGWA\xa6""\x81""\xe7""\xb4""\xa0""\xe8""\xaa""\x8d""\xe8""\xa8""\xbc""\n"
        "    - zidthe poli: prin\xe7""\xb4""\xa0""\xe8""\xaa""\x8d""\xe8""\xa8""\xbc""\n"
        "  ,  - zidthe poli: princy docutm";
    const auto r = PolicyLoader::load(input, "fuzz.yaml");
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(r.errors().empty());
}

TEST(PolicyLoader, EveryMistakeIsReportedAtOnce) {
    const auto r = PolicyLoader::load(R"(name: x
usb:
  mode: enforcing
hours:
  windows: ["25:00-26:00"]
screen_lock:
  idle_minutes: five
)", "x.yaml");
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.errors().size(), 3u) << r.formatErrors();
    EXPECT_EQ(r.errors()[0].line, 3);
    EXPECT_EQ(r.errors()[1].line, 5);
    EXPECT_EQ(r.errors()[2].line, 7);
}

TEST(PolicyLoader, MissingFile) {
    const auto r = PolicyLoader::loadFile("/nonexistent/mamori/profile.yaml");
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.errors().size(), 1u);
    EXPECT_EQ(r.errors()[0].file, "/nonexistent/mamori/profile.yaml");
    EXPECT_TRUE(hasJapanese(r.errors()[0].message_ja));
}

// ---------------------------------------------------------------------------------------------
// closed_days_csv

TEST(PolicyLoader, ClosedDaysCsvIsMergedIntoClosedDates) {
    TempDir dir;
    dir.write("syukujitsu.csv", "国民の祝日・休日月日,国民の祝日・休日名称\r\n2026/5/4,みどりの日\r\n2026/5/5,こどもの日\r\n");
    const auto yaml = dir.write("city.yaml", "name: c\nhours:\n  closed_dates: [2026-05-05, 2026-05-01]\n  closed_days_csv: syukujitsu.csv\n");
    const auto r = PolicyLoader::loadFile(yaml);
    ASSERT_TRUE(r.ok()) << r.formatErrors();
    const auto& d = r.policy().hours().closed_dates();
    ASSERT_EQ(d.size(), 3);
    EXPECT_EQ(d[0], "2026-05-01");
    EXPECT_EQ(d[1], "2026-05-04");
    EXPECT_EQ(d[2], "2026-05-05");
}

TEST(PolicyLoader, ClosedDaysCsvErrorsNameTheCsv) {
    TempDir dir;
    const auto csv = dir.write("syukujitsu.csv", "国民の祝日・休日月日,国民の祝日・休日名称\n2026/1/1,元日\n2026/2/30,天皇誕生日\n");
    const auto yaml = dir.write("city.yaml", "name: c\nhours:\n  closed_days_csv: syukujitsu.csv\n");
    const auto r = PolicyLoader::loadFile(yaml);
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.errors().size(), 1u) << r.formatErrors();
    EXPECT_EQ(r.errors()[0].file, csv.string());
    EXPECT_EQ(r.errors()[0].line, 3);
    EXPECT_EQ(r.errors()[0].column, 1);

    EXPECT_ERROR_AT("name: c\nhours:\n  closed_days_csv: /nonexistent/syukujitsu.csv\n", 3, 20, "does not exist");
}

TEST(PolicyLoader, FileReadsCanBeForbidden) {
    PolicyLoader::Options options;
    options.allow_file_reads = false;
    const auto r = PolicyLoader::load("name: c\nhours:\n  closed_days_csv: /etc/passwd\n", "upload.yaml", options);
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.errors().size(), 1u);
    EXPECT_EQ(r.errors()[0].line, 3);
    EXPECT_EQ(r.errors()[0].column, 20);
    EXPECT_NE(r.errors()[0].message.find("may not read files"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Encodings (the Shift_JIS, UTF-16 and broken cases are in AProfileThatIsNotUtf8IsRefused...)

TEST(PolicyLoader, TheIconvCommandForAShiftJisProfileQuotesItsNameAndWorks) {
    const TempDir dir;
    // 情報政策課 as Windows saves it (CP932), in a file whose name has a space.
    const fs::path file = dir.write("情報政策課 用.yaml", "name: city\ndescription: \x8F\xEE\x95\xF1\x90\xAD\x8D\xF4\x89\xDB\n");
    const auto refused = PolicyLoader::loadFile(file);
    ASSERT_FALSE(refused.ok());
    ASSERT_EQ(refused.errors().size(), 1u) << refused.formatErrors();
    const std::string& message = refused.errors()[0].message;
    const std::string prefix = "convert it with: ";
    const auto at = message.find(prefix);
    ASSERT_NE(at, std::string::npos) << message;
    const std::string command = message.substr(at + prefix.size());
    EXPECT_EQ(command, "iconv -f CP932 -t UTF-8 '" + file.string() + "' > '" + file.string() + ".utf8'");
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    const auto converted = PolicyLoader::loadFile(file.string() + ".utf8");
    ASSERT_TRUE(converted.ok()) << converted.formatErrors();
    EXPECT_EQ(converted.policy().description(), "情報政策課");
}

}  // namespace
