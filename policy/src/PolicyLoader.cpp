#include "mamori/policy/PolicyLoader.h"

#include "mamori/policy/HolidayCsv.h"
#include "mamori/policy/TextEncoding.h"
#include "mamori/policy/TimeZoneName.h"
#include "mamori/policy/UsbDeviceId.h"
#include "mamori/common/NearestWord.h"

#include <date/date.h>
#include <date/tz.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace mamori::policy {
namespace {

namespace v1 = mamori::v1;

#include "DefaultProfile.inc"

// One administrator mistake is usually repeated down the file; past this many the rest
// is noise.
constexpr std::size_t kMaxErrors = 50;

// ---------------------------------------------------------------------------------------------
// Small text helpers

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    for (;;) {
        if (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
            s.remove_prefix(1);
        } else if (s.size() >= 3 && s.substr(0, 3) == "\xE3\x80\x80") {  // 全角スペース
            s.remove_prefix(3);
        } else {
            break;
        }
    }
    for (;;) {
        if (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
            s.remove_suffix(1);
        } else if (s.size() >= 3 && s.substr(s.size() - 3) == "\xE3\x80\x80") {
            s.remove_suffix(3);
        } else {
            break;
        }
    }
    return s;
}

// Values are echoed back in messages; a pasted paragraph should not flood the terminal.
std::string shown(std::string_view s) {
    constexpr std::size_t kMax = 60;
    std::string out;
    if (s.size() <= kMax) {
        out.assign(s);
    } else {
        std::size_t cut = kMax;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        out.assign(s.substr(0, cut));
        out += "…";
    }
    for (auto& c : out) {
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    return out;
}

bool isHex(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += sep;
        out += items[i];
    }
    return out;
}

std::optional<date::year_month_day> parseIsoDate(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    int y = 0;
    unsigned m = 0, d = 0;
    auto num = [](std::string_view t, auto& out) {
        if (!std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
        return std::from_chars(t.data(), t.data() + t.size(), out).ec == std::errc{};
    };
    if (!num(s.substr(0, 4), y) || !num(s.substr(5, 2), m) || !num(s.substr(8, 2), d)) return std::nullopt;
    if (y < 1970 || y > 2999) return std::nullopt;
    const date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

std::string isoDate(const date::year_month_day& d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return buf;
}

// "HH:MM" → minutes after midnight; "24:00" only where the end of the day is meant.
std::optional<std::uint32_t> parseClock(std::string_view s, bool allow_24, std::string& why_en,
                                        std::string& why_ja) {
    const auto colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() - colon != 3) {
        why_en = "\"" + shown(s) + "\" is not a time of day in HH:MM form";
        why_ja = "「" + shown(s) + "」は HH:MM の形の時刻ではありません";
        return std::nullopt;
    }
    const auto hs = s.substr(0, colon);
    const auto ms = s.substr(colon + 1);
    auto digits = [](std::string_view t) {
        return std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (!digits(hs) || !digits(ms)) {
        why_en = "\"" + shown(s) + "\" is not a time of day in HH:MM form";
        why_ja = "「" + shown(s) + "」は HH:MM の形の時刻ではありません";
        return std::nullopt;
    }
    unsigned h = 0, m = 0;
    std::from_chars(hs.data(), hs.data() + hs.size(), h);
    std::from_chars(ms.data(), ms.data() + ms.size(), m);
    if (m > 59) {
        why_en = "minute " + std::string(ms) + " in \"" + std::string(s) + "\" is out of range (00-59)";
        why_ja = "「" + std::string(s) + "」の分 " + std::string(ms) + " が範囲外です（00～59）";
        return std::nullopt;
    }
    if (h > 24 || (h == 24 && (m != 0 || !allow_24))) {
        why_en = "hour " + std::string(hs) + " in \"" + std::string(s) + "\" is out of range (00-23, or 24:00 as an end)";
        why_ja = "「" + std::string(s) + "」の時 " + std::string(hs) + " が範囲外です（00～23、終了のみ 24:00 可）";
        return std::nullopt;
    }
    return h * 60 + m;
}

std::string clockText(std::uint32_t minutes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02u:%02u", minutes / 60, minutes % 60);
    return buf;
}

// ---------------------------------------------------------------------------------------------
// Tables of the words a profile may use

template <typename T>
struct Word {
    std::string_view text;
    T value;
};

const std::vector<Word<v1::Mode>> kModes = {{"enforce", v1::ENFORCE}, {"monitor", v1::MONITOR}};

const std::vector<Word<v1::UsbAction>> kClassActions = {
    {"allow", v1::ALLOW}, {"block", v1::BLOCK}, {"read-only", v1::ALLOW_READONLY}};
const std::vector<Word<v1::UsbAction>> kDefaultActions = {{"allow", v1::ALLOW}, {"block", v1::BLOCK}};
const std::vector<Word<v1::UsbAction>> kDeviceAccess = {
    {"read-write", v1::ALLOW}, {"rw", v1::ALLOW}, {"read-only", v1::ALLOW_READONLY}, {"ro", v1::ALLOW_READONLY}};

const std::vector<Word<v1::HoursAction>> kHoursActions = {
    {"report", v1::HOURS_REPORT}, {"warn", v1::HOURS_WARN}, {"lock", v1::HOURS_LOCK}, {"logoff", v1::HOURS_LOGOFF}};

const std::vector<Word<bool>> kClosedOpen = {{"closed", true}, {"open", false}};

const std::vector<Word<v1::DeadlineAction>> kDeadlineActions = {
    {"allow", v1::DEADLINE_ALLOW}, {"deny", v1::DEADLINE_DENY}};

// choice() reads "screen_lock" as "screen-lock"; the first spelling is the one messages show.
const std::vector<Word<v1::Control>> kControls = {{"usb", v1::USB},
                                                  {"hours", v1::HOURS},
                                                  {"software", v1::SOFTWARE},
                                                  {"screen_lock", v1::SCREEN_LOCK},
                                                  {"screen-lock", v1::SCREEN_LOCK}};

const std::vector<Word<v1::Weekday>> kWeekdays = {
    {"mon", v1::MONDAY},    {"tue", v1::TUESDAY},   {"wed", v1::WEDNESDAY}, {"thu", v1::THURSDAY},
    {"fri", v1::FRIDAY},    {"sat", v1::SATURDAY},  {"sun", v1::SUNDAY},    {"monday", v1::MONDAY},
    {"tuesday", v1::TUESDAY}, {"wednesday", v1::WEDNESDAY}, {"thursday", v1::THURSDAY},
    {"friday", v1::FRIDAY}, {"saturday", v1::SATURDAY}, {"sunday", v1::SUNDAY},
    {"月", v1::MONDAY},     {"火", v1::TUESDAY},    {"水", v1::WEDNESDAY},  {"木", v1::THURSDAY},
    {"金", v1::FRIDAY},     {"土", v1::SATURDAY},   {"日", v1::SUNDAY}};

// USB-IF base classes by the names lsusb and usb.ids use, so profiles need no hex.
const std::vector<Word<std::uint32_t>> kUsbClasses = {
    {"audio", 0x01},        {"communications", 0x02}, {"cdc", 0x02},         {"hid", 0x03},
    {"physical", 0x05},     {"imaging", 0x06},        {"image", 0x06},       {"printer", 0x07},
    {"mass-storage", 0x08}, {"hub", 0x09},            {"cdc-data", 0x0a},    {"smart-card", 0x0b},
    {"content-security", 0x0d}, {"video", 0x0e},      {"personal-healthcare", 0x0f},
    {"audio-video", 0x10},  {"billboard", 0x11},      {"type-c-bridge", 0x12},
    {"diagnostic", 0xdc},   {"wireless", 0xe0},       {"miscellaneous", 0xef},
    {"application-specific", 0xfe}, {"vendor-specific", 0xff}};

constexpr std::uint32_t kMassStorage = 0x08;

const std::set<std::string, std::less<>> kSoftwareCategories = {"p2p"};

template <typename T>
std::vector<std::string> wordList(const std::vector<Word<T>>& table) {
    std::vector<std::string> out;
    for (const auto& w : table) out.emplace_back(w.text);
    return out;
}

template <typename T>
std::vector<std::string> mainWords(const std::vector<Word<T>>& table) {
    std::vector<std::string> out;
    std::vector<T> seen;
    for (const auto& w : table) {
        if (std::find(seen.begin(), seen.end(), w.value) != seen.end()) continue;
        seen.push_back(w.value);
        out.emplace_back(w.text);
    }
    return out;
}

// Where each document of a YAML stream starts; the content itself is read by YAML::Load.
struct DocumentStarts : YAML::EventHandler {
    std::vector<YAML::Mark> marks;
    void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

// The first tab inside the leading whitespace of a line, up to and including last_line
// (0-based; -1 = the whole text), as a 1-based line and column.
std::optional<std::pair<int, int>> firstIndentTab(std::string_view text, int last_line) {
    int line = 0;
    std::size_t pos = 0;
    while (pos < text.size() && (last_line < 0 || line <= last_line)) {
        std::size_t i = pos;
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
            if (text[i] == '\t') return std::make_pair(line + 1, static_cast<int>(i - pos) + 1);
            ++i;
        }
        const auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
        ++line;
    }
    return std::nullopt;
}

// yaml-cpp's messages for the mistakes people make by hand, in Japanese.
std::string yamlMessageJa(const std::string& msg) {
    static const std::vector<std::pair<std::string_view, std::string_view>> table = {
        {YAML::ErrorMsg::END_OF_SEQ_FLOW, "「[」に対応する「]」がありません"},
        {YAML::ErrorMsg::END_OF_MAP_FLOW, "「{」に対応する「}」がありません"},
        {YAML::ErrorMsg::END_OF_SEQ, "リストの終わりが見つかりません"},
        {YAML::ErrorMsg::END_OF_MAP, "「キー: 値」の並びの終わりが見つかりません"},
        {YAML::ErrorMsg::EOF_IN_SCALAR, "引用符が閉じられないままファイルが終わっています"},
        {YAML::ErrorMsg::FLOW_END, "余分な「]」または「}」があります"},
        {YAML::ErrorMsg::BLOCK_ENTRY, "この位置に「- 」のリスト項目は書けません"},
        {YAML::ErrorMsg::MAP_KEY, "この位置にキーは書けません"},
        {YAML::ErrorMsg::MAP_VALUE, "この位置に「:」は書けません（値に : を含めるときは引用符で囲みます）"},
        {YAML::ErrorMsg::TAB_IN_INDENTATION, "字下げにタブは使えません。空白で字下げしてください"},
        {YAML::ErrorMsg::UNKNOWN_ANCHOR, "参照しているアンカー（&名前）が定義されていません"},
        {YAML::ErrorMsg::UNKNOWN_TOKEN, "解釈できない記号があります"},
        {YAML::ErrorMsg::CHAR_IN_SCALAR, "値に使えない文字があります"},
    };
    for (const auto& [en, ja] : table) {
        if (msg == en) return std::string(ja);
    }
    if (msg.starts_with(YAML::ErrorMsg::INVALID_ESCAPE)) return "「\\」の後の文字が正しくありません（\\ を書くときは \\\\ とします）";
    return msg;
}

// ---------------------------------------------------------------------------------------------
// The loader proper

struct Entry {
    YAML::Node key;
    YAML::Node value;
    std::string path;  // dotted, e.g. "usb.devices.vendor", for messages
};

class Loader;

// A YAML mapping checked against the keys it may hold: unknown and repeated keys are
// reported once here, so the section parsers only ask for what they know.
class Section {
public:
    Section(Loader& loader, const YAML::Node& node, std::string path,
            std::vector<std::string> allowed);
    bool valid() const { return valid_; }
    const Entry* find(std::string_view key) const {
        auto it = entries_.find(key);
        return it == entries_.end() ? nullptr : &it->second;
    }
    const YAML::Node& node() const { return node_; }
    const std::string& path() const { return path_; }

private:
    YAML::Node node_;
    std::string path_;
    bool valid_ = false;
    std::map<std::string, Entry, std::less<>> entries_;
};

class Loader {
public:
    Loader(std::string file, const PolicyLoader::Options& options, bool builtin)
        : file_(std::move(file)), options_(options), builtin_(builtin) {}

    std::optional<v1::Policy> run(std::string_view yaml);
    std::vector<PolicyError>& errors() { return errors_; }

    // -- error reporting ---------------------------------------------------------------------
    void error(const YAML::Mark& mark, std::string en, std::string ja) {
        const int line = mark.is_null() ? 0 : mark.line + 1;
        const int column = mark.is_null() ? 0 : mark.column + 1;
        errorAt(file_, line, column, std::move(en), std::move(ja));
    }
    void errorAt(const std::string& file, int line, int column, std::string en, std::string ja) {
        if (errors_.size() == kMaxErrors) {
            errors_.push_back({file_, line, column,
                               "too many errors; fix the ones above and check the file again",
                               "エラーが多すぎるため、ここで確認を打ち切りました。上のエラーを直してから再度確認してください。"});
        }
        if (errors_.size() > kMaxErrors) return;
        errors_.push_back({file, line, column, std::move(en), std::move(ja)});
    }

    static std::string typeEn(const YAML::Node& n) {
        switch (n.Type()) {
            case YAML::NodeType::Map: return "a mapping (key: value lines)";
            case YAML::NodeType::Sequence: return "a list";
            case YAML::NodeType::Scalar: return "the value \"" + shown(n.Scalar()) + "\"";
            default: return "nothing";
        }
    }
    static std::string typeJa(const YAML::Node& n) {
        switch (n.Type()) {
            case YAML::NodeType::Map: return "「キー: 値」の組（マッピング）";
            case YAML::NodeType::Sequence: return "リスト";
            case YAML::NodeType::Scalar: return "値「" + shown(n.Scalar()) + "」";
            default: return "空";
        }
    }

    // -- typed accessors; each reports its own errors and returns nullopt on them ------------
    std::optional<std::string> scalar(const Entry& e) {
        if (e.value.IsNull()) {
            error(e.key.Mark(), e.path + " has no value; write a value after the colon or delete the line",
                  e.path + " に値がありません。コロンの後に値を書くか、その行を削除してください。");
            return std::nullopt;
        }
        if (!e.value.IsScalar()) {
            error(e.value.Mark(), e.path + " must be a single value, not " + typeEn(e.value),
                  e.path + " には値を 1 つ書いてください（" + typeJa(e.value) + "は使えません）。");
            return std::nullopt;
        }
        return std::string(trim(e.value.Scalar()));
    }

    std::optional<std::string> text(const Entry& e, bool required_non_empty = true) {
        auto s = scalar(e);
        if (!s) return std::nullopt;
        if (required_non_empty && s->empty()) {
            error(e.value.Mark(), e.path + " is empty; write a value or delete the line",
                  e.path + " が空です。値を書くか、その行を削除してください。");
            return std::nullopt;
        }
        for (const char c : *s) {
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
                error(e.value.Mark(), e.path + " contains a line break or control character; keep it on one line",
                      e.path + " に改行や制御文字が含まれています。1 行で書いてください。");
                return std::nullopt;
            }
        }
        return s;
    }

    template <typename T>
    std::optional<T> choice(const Entry& e, const std::vector<Word<T>>& table) {
        auto s = scalar(e);
        if (!s) return std::nullopt;
        std::string word = lower(*s);
        std::replace(word.begin(), word.end(), '_', '-');
        for (const auto& w : table) {
            if (w.text == word) return w.value;
        }
        // Suggest from every spelling, but list only the main one of each value.
        const auto near = common::NearestWord::among(word, wordList(table));
        const auto words = mainWords(table);
        error(e.value.Mark(),
              e.path + " must be one of " + join(words, ", ") + ", not \"" + shown(*s) + "\"" +
                  (near ? "; did you mean \"" + *near + "\"?" : ""),
              e.path + " には " + join(words, "、") + " のいずれかを書いてください（「" + shown(*s) +
                  "」は使えません）。" + (near ? "「" + *near + "」の誤りではありませんか。" : ""));
        return std::nullopt;
    }

    std::optional<std::uint64_t> integer(const Entry& e, std::uint64_t min, std::uint64_t max,
                                         std::string_view unit_en, std::string_view unit_ja) {
        auto s = scalar(e);
        if (!s) return std::nullopt;
        std::uint64_t v = 0;
        const bool digits = !s->empty() && std::all_of(s->begin(), s->end(), [](char c) { return c >= '0' && c <= '9'; });
        const auto res = std::from_chars(s->data(), s->data() + s->size(), v);
        if (!digits || res.ec != std::errc{} || v < min || v > max) {
            error(e.value.Mark(),
                  e.path + " must be a whole number of " + std::string(unit_en) + " from " +
                      std::to_string(min) + " to " + std::to_string(max) + ", not \"" + shown(*s) + "\"",
                  e.path + " は " + std::to_string(min) + "～" + std::to_string(max) + " の整数（" +
                      std::string(unit_ja) + "）で書いてください（「" + shown(*s) + "」は使えません）。");
            return std::nullopt;
        }
        return v;
    }

    std::optional<bool> boolean(const Entry& e) {
        auto s = scalar(e);
        if (!s) return std::nullopt;
        const std::string w = lower(*s);
        if (w == "true" || w == "yes") return true;
        if (w == "false" || w == "no") return false;
        error(e.value.Mark(), e.path + " must be true or false, not \"" + shown(*s) + "\"",
              e.path + " は true か false で書いてください（「" + shown(*s) + "」は使えません）。");
        return std::nullopt;
    }

    // The items of a list; a missing value counts as an empty list.
    std::optional<std::vector<Entry>> list(const Entry& e) {
        std::vector<Entry> items;
        if (e.value.IsNull()) return items;
        if (!e.value.IsSequence()) {
            error(e.value.Mark(),
                  e.path + " must be a list, written [a, b] or as lines starting with \"- \", not " + typeEn(e.value),
                  e.path + " はリスト（[a, b] または「- 」で始まる行）で書いてください（" + typeJa(e.value) +
                      "は使えません）。");
            return std::nullopt;
        }
        for (const auto& item : e.value) items.push_back({item, item, e.path});
        return items;
    }

    std::optional<std::string> date(const Entry& e) {
        auto s = scalar(e);
        if (!s) return std::nullopt;
        if (auto d = parseIsoDate(*s)) return isoDate(*d);
        error(e.value.Mark(),
              e.path + " \"" + shown(*s) + "\" is not a valid date; write YYYY-MM-DD, e.g. 2027-03-31",
              e.path + " の「" + shown(*s) + "」は日付として正しくありません。YYYY-MM-DD の形で書いてください（例: 2027-03-31）。");
        return std::nullopt;
    }

    std::optional<std::string> sha256(const Entry& e) {
        auto s = scalar(e);
        if (!s) return std::nullopt;
        if (s->size() == 64 && isHex(*s)) return lower(*s);
        error(e.value.Mark(),
              e.path + " \"" + shown(*s) + "\" is not a SHA-256 hash; write the 64 hexadecimal digits that sha256sum prints",
              e.path + " の「" + shown(*s) + "」は SHA-256 ハッシュではありません。sha256sum が表示する 16 進数 64 桁を書いてください。");
        return std::nullopt;
    }

    std::optional<std::uint32_t> usbId(const Entry& e, bool vendor) {
        auto s = scalar(e);
        if (!s) return std::nullopt;
        if (s->size() == 4 && isHex(*s)) return static_cast<std::uint32_t>(std::stoul(*s, nullptr, 16));
        const std::string what_en = vendor ? "vendor" : "product";
        const std::string what_ja = vendor ? "ベンダー" : "プロダクト";
        error(e.value.Mark(),
              e.path + " \"" + shown(*s) + "\" is not a USB " + what_en +
                  " id; write exactly 4 hexadecimal digits as lsusb shows them, in quotes, e.g. \"0781\"",
              e.path + " の「" + shown(*s) + "」は USB " + what_ja +
                  " ID として正しくありません。lsusb の表示どおり 16 進数 4 桁を引用符で囲んで書いてください（例: \"0781\"）。");
        return std::nullopt;
    }

    std::optional<std::string> absolutePath(const Entry& e, bool directory_prefix) {
        auto s = text(e);
        if (!s) return std::nullopt;
        const bool dotted = s->find("/../") != std::string::npos || s->find("/./") != std::string::npos ||
                            s->find("//") != std::string::npos ||
                            (s->size() >= 3 && s->substr(s->size() - 3) == "/..");
        if (s->front() != '/' || dotted) {
            error(e.value.Mark(),
                  e.path + " \"" + shown(*s) + "\" must be an absolute path without . or .. parts, e.g. /opt/",
                  e.path + " の「" + shown(*s) + "」は . や .. を含まない絶対パスで書いてください（例: /opt/）。");
            return std::nullopt;
        }
        if (directory_prefix && (s->back() != '/' || *s == "/")) {
            error(e.value.Mark(),
                  *s == "/"
                      ? e.path + " \"/\" would allow every program; name the directories that hold approved software, e.g. /opt/juki/"
                      : e.path + " \"" + shown(*s) + "\" must end with \"/\", otherwise it also allows " + shown(*s) +
                            "-other/; write \"" + shown(*s) + "/\"",
                  *s == "/"
                      ? e.path + " の「/」ではすべてのプログラムが許可されてしまいます。許可したソフトウェアのあるディレクトリを書いてください（例: /opt/juki/）。"
                      : e.path + " の「" + shown(*s) + "」は「/」で終えてください。そうでないと " + shown(*s) +
                            "-other/ なども許可されます。「" + shown(*s) + "/」と書いてください。");
            return std::nullopt;
        }
        return s;
    }

    // -- sections ------------------------------------------------------------------------------
    void parseUsb(const Entry* e, v1::UsbPolicy& out);
    void parseHours(const Entry* e, v1::HoursPolicy& out);
    void parseSoftware(const Entry* e, v1::SoftwarePolicy& out);
    void parseScreenLock(const Entry* e, v1::ScreenLockPolicy& out);
    void parseReporting(const Entry* e, v1::ReportingPolicy& out);
    void parseExceptions(const Entry* e, v1::Policy& out);

private:
    std::optional<Section> section(const Entry& e, std::vector<std::string> allowed) {
        if (e.value.IsNull()) return std::nullopt;  // "usb:" alone: all defaults
        Section s(*this, e.value, e.path, std::move(allowed));
        if (!s.valid()) return std::nullopt;
        return s;
    }
    static const date::time_zone* findZone(const std::string& name) {
        try {
            return date::locate_zone(name);
        } catch (const std::exception&) {
            return nullptr;  // no tzdata: exception expiries then fall back to JST arithmetic
        }
    }
    void parseClassRule(const Entry& item, v1::UsbClassRule& rule, std::set<std::string>& ids);
    void parseDevice(const Entry& item, v1::UsbDevice& dev);
    void parseWindow(const Entry& item, v1::TimeWindow& w);
    void parsePackage(const Entry& item, v1::PackageRule& rule);
    void mergeHolidayCsv(const Entry& e, v1::HoursPolicy& out);
    std::optional<std::int64_t> exceptionExpiry(const Entry& e);
    void parseExceptionSubject(const Section& s, const YAML::Mark& at, v1::PolicyException& ex);
    bool checkUsbClass(const Entry& e, std::uint32_t& value);
    bool checkUsbSubValue(const Entry& e, std::int32_t& value);

    std::string file_;
    PolicyLoader::Options options_;
    bool builtin_;
    std::vector<PolicyError> errors_;
    const date::time_zone* zone_ = nullptr;  // hours.time_zone, for exception expiries
};

Section::Section(Loader& loader, const YAML::Node& node, std::string path, std::vector<std::string> allowed)
    : node_(node), path_(std::move(path)) {
    const std::string where = path_.empty() ? std::string("the profile") : path_;
    // Japanese needs no space between a kana word and its particle, but keeps one after a key.
    const std::string where_ja = path_.empty() ? std::string("ポリシー") : path_ + " ";
    if (!node.IsMap()) {
        loader.error(node.Mark(), where + " must be a set of key: value settings, not " + Loader::typeEn(node),
                     where_ja + "は「キー: 値」の設定で書いてください（" + Loader::typeJa(node) + "は使えません）。");
        return;
    }
    valid_ = true;
    for (const auto& kv : node) {
        const YAML::Node key = kv.first;
        if (!key.IsScalar()) {
            loader.error(key.Mark(), "keys in " + where + " must be plain names such as mode, not " + Loader::typeEn(key),
                         where_ja + "のキーは mode のような名前で書いてください（" + Loader::typeJa(key) + "は使えません）。");
            continue;
        }
        const std::string& name = key.Scalar();
        const std::string full = path_.empty() ? name : path_ + "." + name;
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
            const auto near = common::NearestWord::among(name, allowed);
            if (near) {
                loader.error(key.Mark(),
                             "unknown key \"" + shown(name) + "\" in " + where + "; did you mean \"" + *near + "\"?",
                             where_ja + "に不明なキー「" + shown(name) + "」があります。「" + *near + "」の誤りではありませんか。");
            } else {
                loader.error(key.Mark(),
                             "unknown key \"" + shown(name) + "\" in " + where + "; the keys here are " + join(allowed, ", "),
                             where_ja + "に不明なキー「" + shown(name) + "」があります。ここで使えるキーは " +
                                 join(allowed, "、") + " です。");
            }
            continue;
        }
        auto [it, inserted] = entries_.try_emplace(name, Entry{key, kv.second, full});
        if (!inserted) {
            const int first_line = it->second.key.Mark().line + 1;
            loader.error(key.Mark(),
                         "\"" + name + "\" appears twice in " + where + " (first on line " + std::to_string(first_line) +
                             "); keep one of them",
                         where_ja + "に「" + name + "」が 2 回あります（最初は " + std::to_string(first_line) +
                             " 行目）。どちらか一方にしてください。");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// usb:

void defaultClassRules(v1::UsbPolicy& out) {
    // Keyboards, mice, hubs and IC-card readers (二要素認証) keep working; storage and
    // cameras/phones (PTP) are the ways data leaves a terminal.
    const struct {
        const char* id;
        std::uint32_t cls;
        v1::UsbAction action;
    } rules[] = {{"hid", 0x03, v1::ALLOW},          {"hub", 0x09, v1::ALLOW},
                 {"smart-card", 0x0b, v1::ALLOW},   {"mass-storage", 0x08, v1::BLOCK},
                 {"imaging", 0x06, v1::BLOCK}};
    for (const auto& r : rules) {
        auto* rule = out.add_class_rules();
        rule->set_id(r.id);
        rule->set_interface_class(r.cls);
        rule->set_interface_subclass(-1);
        rule->set_interface_protocol(-1);
        rule->set_action(r.action);
    }
}

bool Loader::checkUsbClass(const Entry& e, std::uint32_t& value) {
    auto s = scalar(e);
    if (!s) return false;
    std::string word = lower(*s);
    std::replace(word.begin(), word.end(), '_', '-');
    for (const auto& w : kUsbClasses) {
        if (w.text == word) {
            value = w.value;
            return true;
        }
    }
    // lsusb -v prints classes in decimal and sysfs in hex, so a bare "10" is ambiguous:
    // only 0x-prefixed numbers and single digits (the same in both) are accepted.
    std::uint32_t v = 0;
    bool ok = false;
    if (word.size() > 2 && word.size() <= 4 && word.starts_with("0x") && isHex(word.substr(2))) {
        v = static_cast<std::uint32_t>(std::stoul(word.substr(2), nullptr, 16));
        ok = true;
    } else if (!word.empty() && word.size() <= 2 && std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        v = static_cast<std::uint32_t>(std::stoul(word));
        ok = v < 10;
    }
    if (ok && v <= 0xff) {
        value = v;
        return true;
    }
    const auto near = common::NearestWord::among(word, wordList(kUsbClasses));
    error(e.value.Mark(),
          e.path + " \"" + shown(*s) + "\" is not a USB interface class; write a name (hid, mass-storage, smart-card, "
              "imaging, printer, hub, ...) or a hex number with 0x, e.g. " + std::string("0x08") +
              (near ? "; did you mean \"" + *near + "\"?" : ""),
          e.path + " の「" + shown(*s) + "」は USB インターフェースクラスではありません。名前（hid、mass-storage、"
              "smart-card、imaging、printer、hub など）か 0x 付きの 16 進数（例: " + std::string("0x08") + "）で書いてください。" +
              (near ? "「" + *near + "」の誤りではありませんか。" : ""));
    return false;
}

bool Loader::checkUsbSubValue(const Entry& e, std::int32_t& value) {
    auto s = scalar(e);
    if (!s) return false;
    const std::string word = lower(*s);
    if (word == "any") {
        value = -1;
        return true;
    }
    if (word.size() > 2 && word.size() <= 4 && word.starts_with("0x") && isHex(word.substr(2))) {
        value = static_cast<std::int32_t>(std::stoul(word.substr(2), nullptr, 16));
        return true;
    }
    if (word.size() == 1 && std::isdigit(static_cast<unsigned char>(word[0]))) {
        value = word[0] - '0';
        return true;
    }
    error(e.value.Mark(),
          e.path + " must be any or a hex number with 0x from 0x00 to 0xff, not \"" + shown(*s) + "\"",
          e.path + " は any か 0x 付きの 16 進数（0x00～0xff）で書いてください（「" + shown(*s) + "」は使えません）。");
    return false;
}

void Loader::parseClassRule(const Entry& item, v1::UsbClassRule& rule, std::set<std::string>& ids) {
    Section s(*this, item.value, item.path, {"id", "class", "subclass", "protocol", "action"});
    if (!s.valid()) return;
    rule.set_interface_subclass(-1);
    rule.set_interface_protocol(-1);
    std::uint32_t cls = 0;
    bool have_class = false;
    if (const Entry* e = s.find("class")) {
        have_class = checkUsbClass(*e, cls);
        if (have_class) rule.set_interface_class(cls);
    } else {
        error(item.value.Mark(), item.path + " entry has no class; write e.g. class: mass-storage",
              item.path + " の項目に class がありません。class: mass-storage のように書いてください。");
    }
    if (const Entry* e = s.find("subclass")) {
        std::int32_t v = -1;
        if (checkUsbSubValue(*e, v)) rule.set_interface_subclass(v);
    }
    if (const Entry* e = s.find("protocol")) {
        std::int32_t v = -1;
        if (checkUsbSubValue(*e, v)) rule.set_interface_protocol(v);
    }
    if (const Entry* e = s.find("action")) {
        if (auto a = choice(*e, kClassActions)) {
            rule.set_action(*a);
            if (*a == v1::ALLOW_READONLY && have_class && cls != kMassStorage) {
                error(e->value.Mark(),
                      e->path + " read-only applies only to storage (class mass-storage); use allow or block here",
                      e->path + " の read-only は記憶装置（class: mass-storage）にだけ使えます。ここでは allow か block にしてください。");
            }
        }
    } else {
        error(item.value.Mark(), item.path + " entry has no action; write action: allow, block or read-only",
              item.path + " の項目に action がありません。action: allow、block、read-only のいずれかを書いてください。");
    }
    if (const Entry* e = s.find("id")) {
        if (auto id = text(*e)) rule.set_id(*id);
    } else if (have_class) {
        // Events name the rule; the class name is what an administrator wrote anyway.
        std::string id;
        for (const auto& w : kUsbClasses) {
            if (w.value == cls) {
                id = std::string(w.text);
                break;
            }
        }
        if (id.empty()) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "class-%02x", cls);
            id = buf;
        }
        rule.set_id(id);
    }
    if (!rule.id().empty() && !ids.insert(rule.id()).second) {
        error(item.value.Mark(),
              "rule id \"" + shown(rule.id()) + "\" is used twice in usb; events name rules by id, so give each its own",
              "usb のルール ID「" + shown(rule.id()) + "」が重複しています。イベントは ID でルールを示すため、別々の ID にしてください。");
    }
}

void Loader::parseDevice(const Entry& item, v1::UsbDevice& dev) {
    Section s(*this, item.value, item.path,
              {"id", "vendor", "product", "serial", "access", "port", "owner", "approved_by", "expires", "description"});
    if (!s.valid()) return;
    auto required = [&](std::string_view key, const std::string& hint_en, const std::string& hint_ja) -> const Entry* {
        const Entry* e = s.find(key);
        if (!e) {
            error(item.value.Mark(), "registered device has no " + std::string(key) + "; " + hint_en,
                  "登録デバイスに " + std::string(key) + " がありません。" + hint_ja);
        }
        return e;
    };
    if (const Entry* e = required("id", "give it its ledger number (台帳番号), e.g. id: USB-2026-001",
                                  "台帳番号を書いてください（例: id: USB-2026-001）。")) {
        if (auto v = text(*e)) dev.set_id(*v);
    }
    if (const Entry* e = required("vendor", "write the 4 hex digits lsusb shows before the colon, e.g. vendor: \"0781\"",
                                  "lsusb のコロンの前の 16 進数 4 桁を書いてください（例: vendor: \"0781\"）。")) {
        if (auto v = usbId(*e, true)) dev.set_vendor_id(*v);
    }
    if (const Entry* e = required("product", "write the 4 hex digits lsusb shows after the colon, e.g. product: \"5581\"",
                                  "lsusb のコロンの後の 16 進数 4 桁を書いてください（例: product: \"5581\"）。")) {
        if (auto v = usbId(*e, false)) dev.set_product_id(*v);
    }
    if (const Entry* e = required("serial",
                                  "write the serial number lsusb -v shows as iSerial, or serial: \"\" for a stick "
                                  "without one (which then matches every such stick of that model)",
                                  "lsusb -v の iSerial に表示されるシリアル番号を書いてください。シリアル番号のない機器は "
                                  "serial: \"\" と書きます（その型番のシリアルなし機器すべてに一致します）。")) {
        if (auto v = text(*e, false)) dev.set_serial(*v);
    }
    dev.set_action(v1::ALLOW_READONLY);  // a registration without access: is still write-protected
    if (const Entry* e = s.find("access")) {
        if (auto v = choice(*e, kDeviceAccess)) dev.set_action(*v);
    }
    if (const Entry* e = s.find("port")) {
        if (auto v = text(*e)) {
            const bool ok = std::all_of(v->begin(), v->end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
            }) && std::isdigit(static_cast<unsigned char>(v->front())) && v->find('-') != std::string::npos;
            if (ok) {
                dev.set_port(*v);
            } else {
                error(e->value.Mark(),
                      e->path + " \"" + shown(*v) + "\" is not a USB port path; write it as in /sys/bus/usb/devices, e.g. \"1-1.2\"",
                      e->path + " の「" + shown(*v) + "」は USB ポートの表記ではありません。/sys/bus/usb/devices と同じ形で書いてください（例: \"1-1.2\"）。");
            }
        }
    }
    if (const Entry* e = s.find("owner")) {
        if (auto v = text(*e)) dev.set_owner_section(*v);
    }
    if (const Entry* e = s.find("approved_by")) {
        if (auto v = text(*e)) dev.set_approved_by(*v);
    }
    if (const Entry* e = s.find("expires")) {
        if (auto v = date(*e)) dev.set_expires(*v);
    }
    if (const Entry* e = s.find("description")) {
        if (auto v = text(*e, false)) dev.set_description(*v);
    }
}

void Loader::parseUsb(const Entry* e, v1::UsbPolicy& out) {
    out.set_mode(v1::ENFORCE);
    out.set_default_action(v1::BLOCK);
    std::optional<Section> s;
    if (e) s = section(*e, {"mode", "default", "class_rules", "devices"});
    const Entry* rules = s ? s->find("class_rules") : nullptr;
    if (!rules) defaultClassRules(out);
    if (!s) return;
    if (const Entry* m = s->find("mode")) {
        if (auto v = choice(*m, kModes)) out.set_mode(*v);
    }
    if (const Entry* d = s->find("default")) {
        if (auto v = choice(*d, kDefaultActions)) out.set_default_action(*v);
    }
    std::set<std::string> ids;
    if (rules) {
        if (auto items = list(*rules)) {
            for (const auto& item : *items) parseClassRule(item, *out.add_class_rules(), ids);
        }
    } else {
        for (const auto& r : out.class_rules()) ids.insert(r.id());
    }
    if (const Entry* d = s->find("devices")) {
        if (auto items = list(*d)) {
            std::map<std::string, std::pair<std::string, int>> seen;  // vid:pid:serial → id, line
            for (const auto& item : *items) {
                auto& dev = *out.add_devices();
                const std::size_t before = errors_.size();
                parseDevice(item, dev);
                if (errors_.size() != before) continue;
                char key[32];
                std::snprintf(key, sizeof key, "%04x:%04x:", dev.vendor_id(), dev.product_id());
                const std::string ident = key + dev.serial();
                const int line = item.value.Mark().line + 1;
                auto [it, inserted] = seen.try_emplace(ident, dev.id(), line);
                if (!inserted) {
                    const std::string shown_ident = std::string(key) + (dev.serial().empty() ? "(no serial)" : shown(dev.serial()));
                    error(item.value.Mark(),
                          "device " + shown_ident + " is registered twice (also as \"" + shown(it->second.first) + "\" on line " +
                              std::to_string(it->second.second) + "); keep one entry per stick",
                          "デバイス " + shown_ident + " が 2 回登録されています（" + std::to_string(it->second.second) +
                              " 行目の「" + shown(it->second.first) + "」）。1 本につき 1 項目にしてください。");
                }
                if (!ids.insert(dev.id()).second) {
                    error(item.value.Mark(),
                          "id \"" + shown(dev.id()) + "\" is used twice in usb; give each device and rule its own id",
                          "usb の ID「" + shown(dev.id()) + "」が重複しています。デバイスとルールにはそれぞれ別の ID を付けてください。");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// hours:

void Loader::parseWindow(const Entry& item, v1::TimeWindow& w) {
    auto s = scalar(item);
    if (!s) return;
    const auto dash = s->find('-');
    std::string en, ja;
    if (dash == std::string::npos) {
        error(item.value.Mark(),
              item.path + " \"" + shown(*s) + "\" is not a time window; write start-end as HH:MM-HH:MM, e.g. \"08:30-17:45\"",
              item.path + " の「" + shown(*s) + "」は時間帯ではありません。開始-終了を HH:MM-HH:MM の形で書いてください（例: \"08:30-17:45\"）。");
        return;
    }
    const auto start = parseClock(trim(std::string_view(*s).substr(0, dash)), false, en, ja);
    if (!start) {
        error(item.value.Mark(), item.path + ": " + en + "; write HH:MM-HH:MM, e.g. \"08:30-17:45\"",
              item.path + ": " + ja + "。HH:MM-HH:MM の形で書いてください（例: \"08:30-17:45\"）。");
        return;
    }
    const auto end = parseClock(trim(std::string_view(*s).substr(dash + 1)), true, en, ja);
    if (!end) {
        error(item.value.Mark(), item.path + ": " + en + "; write HH:MM-HH:MM, e.g. \"08:30-17:45\"",
              item.path + ": " + ja + "。HH:MM-HH:MM の形で書いてください（例: \"08:30-17:45\"）。");
        return;
    }
    if (*end <= *start) {
        error(item.value.Mark(),
              item.path + " \"" + shown(*s) + "\" does not end after it starts; a window lies within one day, so split "
                  "a night shift in two, e.g. \"22:00-24:00\" and \"00:00-06:00\"",
              item.path + " の「" + shown(*s) + "」は終了が開始より後になっていません。時間帯は 1 日の中で書くため、"
                  "夜間は \"22:00-24:00\" と \"00:00-06:00\" のように 2 つに分けてください。");
        return;
    }
    w.set_start_minute(*start);
    w.set_end_minute(*end);
}

void Loader::mergeHolidayCsv(const Entry& e, v1::HoursPolicy& out) {
    auto name = text(e);
    if (!name) return;
    if (!options_.allow_file_reads) {
        error(e.value.Mark(),
              e.path + " cannot be used here because this profile may not read files; list the dates in closed_dates instead",
              "このポリシーではファイルを読めないため " + e.path + " は使えません。日付を closed_dates に書いてください。");
        return;
    }
    std::filesystem::path p(*name);
    if (p.is_relative()) {
        std::filesystem::path base = options_.base_dir;
        if (base.empty()) base = std::filesystem::path(file_).parent_path();
        p = base / p;
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) {
        error(e.value.Mark(),
              e.path + " \"" + shown(*name) + "\" (" + p.string() + ") does not exist or is not a file; put syukujitsu.csv "
                  "from the Cabinet Office (内閣府) beside the profile or fix the path",
              e.path + " の「" + shown(*name) + "」（" + p.string() + "）が見つからないか、ファイルではありません。"
                  "内閣府の syukujitsu.csv をポリシーと同じ場所に置くか、パスを直してください。");
        return;
    }
    auto csv = HolidayCsv::parseFile(p);
    for (const auto& err : csv.errors) errorAt(err.file, err.line, err.column, err.message, err.message_ja);
    for (const auto& entry : csv.entries) out.add_closed_dates(entry.date);
}

void Loader::parseHours(const Entry* e, v1::HoursPolicy& out) {
    out.set_mode(v1::MONITOR);
    out.set_time_zone("Asia/Tokyo");
    out.set_national_holidays_closed(true);
    out.set_year_end_closed(true);
    out.set_action(v1::HOURS_REPORT);
    out.set_warn_grace_minutes(10);
    out.set_failed_logon_limit(PolicyLoader::kFailedLogonLimit);
    out.set_failed_logon_window_minutes(PolicyLoader::kFailedLogonWindowMinutes);
    std::optional<Section> s;
    if (e) {
        s = section(*e, {"mode", "time_zone", "weekdays", "windows", "national_holidays", "year_end",
                         "closed_dates", "closed_days_csv", "action", "warn_grace_minutes", "failed_logons"});
    }
    const Entry* weekdays = s ? s->find("weekdays") : nullptr;
    const Entry* windows = s ? s->find("windows") : nullptr;
    if (!weekdays) {
        for (auto d : {v1::MONDAY, v1::TUESDAY, v1::WEDNESDAY, v1::THURSDAY, v1::FRIDAY}) out.add_weekdays(d);
    }
    if (!windows) {
        auto* w = out.add_windows();  // 000:129 8:30-17:45
        w->set_start_minute(8 * 60 + 30);
        w->set_end_minute(17 * 60 + 45);
    }
    if (s) {
        if (const Entry* m = s->find("mode")) {
            if (auto v = choice(*m, kModes)) out.set_mode(*v);
        }
        if (const Entry* z = s->find("time_zone")) {
            if (auto name = text(*z)) {
                if (TimeZoneName::known(*name)) {
                    out.set_time_zone(*name);
                } else {
                    const auto near = TimeZoneName::nearest(*name);
                    error(z->value.Mark(),
                          e->path + ".time_zone \"" + shown(*name) + "\" is not a known time zone; write an IANA name "
                              "such as Asia/Tokyo" + (near ? "; did you mean \"" + *near + "\"?" : ""),
                          e->path + ".time_zone の「" + shown(*name) + "」は不明なタイムゾーンです。Asia/Tokyo のような "
                              "IANA の名前で書いてください。" + (near ? "「" + *near + "」の誤りではありませんか。" : ""));
                }
            }
        }
        if (weekdays) {
            if (auto items = list(*weekdays)) {
                std::set<int> seen;
                for (const auto& item : *items) {
                    if (auto d = choice(item, kWeekdays)) {
                        if (seen.insert(*d).second) out.add_weekdays(*d);
                    }
                }
                if (items->empty()) {
                    error(weekdays->key.Mark(),
                          weekdays->path + " is empty, so the terminal would never be in operating hours; list the open days, e.g. [mon, tue, wed, thu, fri]",
                          weekdays->path + " が空のため、端末は常に運用時間外になります。開庁日を書いてください（例: [mon, tue, wed, thu, fri]）。");
                }
            }
        }
        if (windows) {
            if (auto items = list(*windows)) {
                std::vector<std::pair<v1::TimeWindow, YAML::Mark>> parsed;
                for (const auto& item : *items) {
                    v1::TimeWindow w;
                    const std::size_t before = errors_.size();
                    parseWindow(item, w);
                    if (errors_.size() == before) parsed.emplace_back(w, item.value.Mark());
                }
                std::sort(parsed.begin(), parsed.end(), [](const auto& a, const auto& b) {
                    return a.first.start_minute() < b.first.start_minute();
                });
                for (std::size_t i = 1; i < parsed.size(); ++i) {
                    const auto& prev = parsed[i - 1].first;
                    const auto& cur = parsed[i].first;
                    if (cur.start_minute() < prev.end_minute()) {
                        const std::string a = clockText(prev.start_minute()) + "-" + clockText(prev.end_minute());
                        const std::string b = clockText(cur.start_minute()) + "-" + clockText(cur.end_minute());
                        error(parsed[i].second,
                              windows->path + " \"" + b + "\" overlaps \"" + a + "\"; merge them into one window",
                              windows->path + " の「" + b + "」と「" + a + "」が重なっています。1 つの時間帯にまとめてください。");
                    }
                }
                for (const auto& [w, mark] : parsed) *out.add_windows() = w;
                if (items->empty()) {
                    error(windows->key.Mark(),
                          windows->path + " is empty, so the terminal would never be in operating hours; write e.g. [\"08:30-17:45\"]",
                          windows->path + " が空のため、端末は常に運用時間外になります。例: [\"08:30-17:45\"]");
                }
            }
        }
        if (const Entry* x = s->find("national_holidays")) {
            if (auto v = choice(*x, kClosedOpen)) out.set_national_holidays_closed(*v);
        }
        if (const Entry* x = s->find("year_end")) {
            if (auto v = choice(*x, kClosedOpen)) out.set_year_end_closed(*v);
        }
        if (const Entry* x = s->find("closed_dates")) {
            if (auto items = list(*x)) {
                for (const auto& item : *items) {
                    if (auto d = date(item)) out.add_closed_dates(*d);
                }
            }
        }
        if (const Entry* x = s->find("closed_days_csv")) mergeHolidayCsv(*x, out);
        if (const Entry* x = s->find("action")) {
            if (auto v = choice(*x, kHoursActions)) out.set_action(*v);
        }
        if (const Entry* x = s->find("warn_grace_minutes")) {
            if (auto v = integer(*x, 0, 120, "minutes", "分")) out.set_warn_grace_minutes(static_cast<std::uint32_t>(*v));
        }
        if (const Entry* x = s->find("failed_logons")) {
            if (auto f = section(*x, {"limit", "within_minutes"})) {
                if (const Entry* y = f->find("limit")) {
                    if (auto v = integer(*y, 1, 100, "failed logons", "回")) out.set_failed_logon_limit(static_cast<std::uint32_t>(*v));
                }
                if (const Entry* y = f->find("within_minutes")) {
                    if (auto v = integer(*y, 1, 1440, "minutes", "分"))
                        out.set_failed_logon_window_minutes(static_cast<std::uint32_t>(*v));
                }
            }
        }
    }
    // One sorted list without repeats, whatever mix of profile dates and CSV rows fed it.
    std::set<std::string> dates(out.closed_dates().begin(), out.closed_dates().end());
    out.clear_closed_dates();
    for (const auto& d : dates) out.add_closed_dates(d);
}

// ---------------------------------------------------------------------------------------------
// software:

void Loader::parsePackage(const Entry& item, v1::PackageRule& rule) {
    std::string name, version;
    YAML::Mark name_mark = item.value.Mark();
    YAML::Mark version_mark = item.value.Mark();
    if (item.value.IsMap()) {
        Section s(*this, item.value, item.path, {"name", "version"});
        if (!s.valid()) return;
        const Entry* n = s.find("name");
        if (!n) {
            error(item.value.Mark(), item.path + " entry has no name; write e.g. {name: libreoffice-*, version: \">= 7.4\"}",
                  item.path + " の項目に name がありません。例: {name: libreoffice-*, version: \">= 7.4\"}");
            return;
        }
        auto nv = text(*n);
        if (!nv) return;
        name = *nv;
        name_mark = n->value.Mark();
        if (const Entry* v = s.find("version")) {
            auto vv = text(*v);
            if (!vv) return;
            version = *vv;
            version_mark = v->value.Mark();
        }
    } else {
        auto s = text(item);
        if (!s) return;
        // "firefox-esr >= 115" is the same as {name: firefox-esr, version: ">= 115"}.
        const auto cut = s->find_first_of(" <>=");
        name = s->substr(0, cut);
        if (cut != std::string::npos) version = std::string(trim(std::string_view(*s).substr(cut)));
    }
    const bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' ||
               c == '*' || c == '?' || c == '[' || c == ']' || c == ':';
    });
    if (!name_ok) {
        error(name_mark,
              item.path + " \"" + shown(name) + "\" is not a Debian package name or pattern; use lowercase letters, digits, "
                  "+ - . and the wildcards * ?, e.g. libreoffice-*",
              item.path + " の「" + shown(name) + "」は Debian のパッケージ名（パターン）ではありません。小文字・数字・+ - . と "
                  "ワイルドカード * ? で書いてください（例: libreoffice-*）。");
        return;
    }
    rule.set_name(name);
    if (version.empty()) return;
    static const std::vector<std::string> ops = {">=", "<=", ">>", "<<", "="};
    std::string op;
    for (const auto& o : ops) {
        if (version.starts_with(o)) {
            op = o;
            break;
        }
    }
    const std::string_view rest = op.empty() ? std::string_view{} : trim(std::string_view(version).substr(op.size()));
    const bool rest_ok = !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '~' || c == ':' || c == '-';
    });
    if (op.empty() || !rest_ok) {
        error(version_mark,
              item.path + " version \"" + shown(version) + "\" is not a Debian version constraint; write an operator "
                  "(>=, <=, >>, <<, =) and a version, e.g. \">= 7.4\"",
              item.path + " の version「" + shown(version) + "」は Debian のバージョン条件ではありません。演算子（>=、<=、>>、<<、=）と"
                  "バージョンを書いてください（例: \">= 7.4\"）。");
        return;
    }
    rule.set_version(op + " " + std::string(rest));
}

void Loader::parseSoftware(const Entry* e, v1::SoftwarePolicy& out) {
    out.set_mode(v1::MONITOR);
    out.add_denied_categories("p2p");  // 001 @45746: file-sharing software is the named risk
    out.set_decision_deadline_ms(250);
    out.set_on_deadline(v1::DEADLINE_ALLOW);
    std::optional<Section> s;
    if (e) {
        s = section(*e, {"mode", "allowed_packages", "allowed_sha256", "allowed_path_prefixes", "denied_categories",
                         "watch_mounts", "scan_paths", "decision_deadline_ms", "on_deadline"});
    }
    const Entry* watch = s ? s->find("watch_mounts") : nullptr;
    const Entry* scan = s ? s->find("scan_paths") : nullptr;
    if (!watch) {
        for (const char* p : {"/", "/home", "/tmp", "/var/tmp", "/dev/shm"}) out.add_watch_mounts(p);
    }
    if (!scan) {
        for (const char* p : {"/home", "/tmp", "/var/tmp", "/dev/shm"}) out.add_scan_paths(p);
    }
    if (!s) return;
    const Entry* mode = s->find("mode");
    if (mode) {
        if (auto v = choice(*mode, kModes)) out.set_mode(*v);
    }
    const std::size_t errors_before_lists = errors_.size();
    if (const Entry* x = s->find("allowed_packages")) {
        if (auto items = list(*x)) {
            for (const auto& item : *items) {
                v1::PackageRule rule;
                const std::size_t before = errors_.size();
                parsePackage(item, rule);
                if (errors_.size() == before) *out.add_allowed_packages() = rule;
            }
        }
    }
    if (const Entry* x = s->find("allowed_sha256")) {
        if (auto items = list(*x)) {
            std::set<std::string> seen;
            for (const auto& item : *items) {
                if (auto h = sha256(item)) {
                    if (seen.insert(*h).second) out.add_allowed_sha256(*h);
                }
            }
        }
    }
    if (const Entry* x = s->find("allowed_path_prefixes")) {
        if (auto items = list(*x)) {
            for (const auto& item : *items) {
                if (auto p = absolutePath(item, true)) out.add_allowed_path_prefixes(*p);
            }
        }
    }
    const bool list_errors = errors_.size() != errors_before_lists;
    if (const Entry* x = s->find("denied_categories")) {
        out.clear_denied_categories();
        if (auto items = list(*x)) {
            for (const auto& item : *items) {
                auto c = scalar(item);
                if (!c) continue;
                const std::string word = lower(*c);
                if (kSoftwareCategories.count(word)) {
                    out.add_denied_categories(word);
                } else {
                    const std::vector<std::string> known(kSoftwareCategories.begin(), kSoftwareCategories.end());
                    error(item.value.Mark(),
                          item.path + " \"" + shown(*c) + "\" is not a built-in category; the categories are " + join(known, ", "),
                          item.path + " の「" + shown(*c) + "」は組み込みの分類ではありません。使える分類は " + join(known, "、") + " です。");
                }
            }
        }
    }
    if (watch) {
        if (auto items = list(*watch)) {
            for (const auto& item : *items) {
                if (auto p = absolutePath(item, false)) out.add_watch_mounts(*p);
            }
        }
    }
    if (scan) {
        if (auto items = list(*scan)) {
            for (const auto& item : *items) {
                if (auto p = absolutePath(item, false)) out.add_scan_paths(*p);
            }
        }
    }
    if (const Entry* x = s->find("decision_deadline_ms")) {
        if (auto v = integer(*x, 10, 10000, "milliseconds", "ミリ秒")) out.set_decision_deadline_ms(static_cast<std::uint32_t>(*v));
    }
    if (const Entry* x = s->find("on_deadline")) {
        if (auto v = choice(*x, kDeadlineActions)) out.set_on_deadline(*v);
    }
    if (out.mode() == v1::ENFORCE && mode) {
        const bool lists_empty = out.allowed_packages_size() == 0 && out.allowed_sha256_size() == 0 &&
                                 out.allowed_path_prefixes_size() == 0;
        // Only when no list item failed: a typo in the only entry is reported as that typo.
        if (lists_empty && !list_errors) {
            error(mode->value.Mark(),
                  e->path + ".mode is enforce but nothing is allowed, so every program would be stopped; add "
                      "allowed_packages, allowed_sha256 or allowed_path_prefixes, or use mode: monitor while you build the list",
                  e->path + ".mode が enforce ですが許可リストが空のため、すべてのプログラムが止まります。allowed_packages、"
                      "allowed_sha256、allowed_path_prefixes のいずれかを書くか、リストを作る間は mode: monitor にしてください。");
        }
        if (out.watch_mounts_size() == 0 && watch) {
            error(watch->key.Mark(),
                  watch->path + " is empty, so enforce would stop nothing; list the mounts to guard, e.g. [/, /home]",
                  watch->path + " が空のため、enforce でも何も止まりません。監視するマウントを書いてください（例: [/, /home]）。");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// screen_lock:, reporting:

void Loader::parseScreenLock(const Entry* e, v1::ScreenLockPolicy& out) {
    out.set_mode(v1::ENFORCE);
    out.set_idle_minutes(5);
    out.set_audit_settings(true);
    std::optional<Section> s;
    if (e) s = section(*e, {"mode", "idle_minutes", "lock_command", "audit_settings"});
    if (!s) return;
    if (const Entry* x = s->find("mode")) {
        if (auto v = choice(*x, kModes)) out.set_mode(*v);
    }
    if (const Entry* x = s->find("idle_minutes")) {
        if (auto v = integer(*x, 1, 120, "minutes", "分")) out.set_idle_minutes(static_cast<std::uint32_t>(*v));
    }
    if (const Entry* x = s->find("lock_command")) {
        if (auto v = text(*x)) {
            if (v->front() == '/') {
                out.set_lock_command(*v);
            } else {
                error(x->value.Mark(),
                      x->path + " \"" + shown(*v) + "\" must start with the program's absolute path, e.g. /usr/bin/xdg-screensaver lock, "
                          "so that the agent never runs a program found through PATH",
                      x->path + " の「" + shown(*v) + "」はプログラムの絶対パスから書いてください（例: /usr/bin/xdg-screensaver lock）。"
                          "PATH から探したプログラムを実行しないためです。");
            }
        }
    }
    if (const Entry* x = s->find("audit_settings")) {
        if (auto v = boolean(*x)) out.set_audit_settings(*v);
    }
}

std::optional<std::uint64_t> parseBytes(std::string_view s) {
    // 67108864, "64 MiB", "64MiB", "1 GiB".
    std::size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == 0 || i > 12) return std::nullopt;
    std::uint64_t n = 0;
    std::from_chars(s.data(), s.data() + i, n);
    const std::string unit = lower(trim(s.substr(i)));
    std::uint64_t mul = 1;
    if (unit.empty() || unit == "b") mul = 1;
    else if (unit == "kib") mul = 1ull << 10;
    else if (unit == "mib") mul = 1ull << 20;
    else if (unit == "gib") mul = 1ull << 30;
    else return std::nullopt;
    return n * mul;
}

void Loader::parseReporting(const Entry* e, v1::ReportingPolicy& out) {
    out.set_heartbeat_minutes(60);
    out.set_clock_tolerance_seconds(60);
    // Left out, 0: each terminal keeps the journal_max_bytes of its own agent.conf.
    out.set_journal_max_bytes(0);
    std::optional<Section> s;
    if (e) s = section(*e, {"heartbeat_minutes", "clock_tolerance_seconds", "journal_max_bytes"});
    if (!s) return;
    if (const Entry* x = s->find("heartbeat_minutes")) {
        if (auto v = integer(*x, 1, 1440, "minutes", "分")) out.set_heartbeat_minutes(static_cast<std::uint32_t>(*v));
    }
    if (const Entry* x = s->find("clock_tolerance_seconds")) {
        if (auto v = integer(*x, 1, 3600, "seconds", "秒")) out.set_clock_tolerance_seconds(static_cast<std::uint32_t>(*v));
    }
    if (const Entry* x = s->find("journal_max_bytes")) {
        if (auto v = scalar(*x)) {
            const auto bytes = parseBytes(*v);
            constexpr std::uint64_t kMin = 1ull << 20, kMax = 16ull << 30;
            if (bytes && *bytes >= kMin && *bytes <= kMax) {
                out.set_journal_max_bytes(*bytes);
            } else {
                error(x->value.Mark(),
                      x->path + " must be a size from 1 MiB to 16 GiB, e.g. 67108864 or \"64 MiB\", not \"" + shown(*v) + "\"",
                      x->path + " は 1 MiB～16 GiB の大きさで書いてください（例: 67108864 または \"64 MiB\"）。「" + shown(*v) +
                          "」は使えません。");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// exceptions:

std::string normalizedPerson(std::string_view s) {
    std::string out;
    for (const char c : trim(s)) {
        if (c != ' ' && c != '\t') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    // Full-width spaces inside a name ("山田　太郎") do not make it another person.
    for (std::size_t p; (p = out.find("\xE3\x80\x80")) != std::string::npos;) out.erase(p, 3);
    return out;
}

std::optional<std::int64_t> Loader::exceptionExpiry(const Entry& e) {
    auto s = scalar(e);
    if (!s) return std::nullopt;
    // "2026-03-31" means through the end of that local day; "2026-03-31 17:45" is exact.
    const std::string_view v = *s;
    std::optional<date::year_month_day> day = parseIsoDate(v.substr(0, std::min<std::size_t>(v.size(), 10)));
    std::optional<std::uint32_t> minute;
    bool ok = day.has_value() && (v.size() == 10 || (v.size() > 11 && (v[10] == ' ' || v[10] == 'T')));
    if (ok && v.size() > 10) {
        std::string en, ja;
        minute = parseClock(v.substr(11), true, en, ja);
        ok = minute.has_value();
    }
    if (!ok) {
        error(e.value.Mark(),
              e.path + " \"" + shown(*s) + "\" is not a date or date and time; write YYYY-MM-DD (valid through that day) "
                  "or YYYY-MM-DD HH:MM, e.g. 2026-03-31",
              e.path + " の「" + shown(*s) + "」は日付（または日時）として正しくありません。YYYY-MM-DD（その日の終わりまで有効）"
                  "か YYYY-MM-DD HH:MM で書いてください（例: 2026-03-31）。");
        return std::nullopt;
    }
    const auto local_minutes = date::local_days{*day} + std::chrono::minutes(minute ? *minute : 24 * 60);
    if (zone_) {
        const auto sys = zone_->to_sys(local_minutes, date::choose::earliest);
        return std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
    }
    const auto sys = date::sys_time<std::chrono::minutes>(local_minutes.time_since_epoch()) - std::chrono::hours(9);
    return std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
}

// The thing an exception relaxes: a USB device, a program, or the operating hours.
void Loader::parseExceptionSubject(const Section& s, const YAML::Mark& at, v1::PolicyException& ex) {
    const Entry* device = s.find("device");
    const Entry* access = s.find("access");
    const Entry* sha = s.find("sha256");
    const Entry* path = s.find("path");
    const Entry* user = s.find("user");
    auto notFor = [&](const Entry* x, std::string_view control_name) {
        if (!x) return;
        error(x->key.Mark(),
              x->path + " applies only to control: " + std::string(control_name) + "; remove it or change control",
              x->path + " は control: " + std::string(control_name) + " の場合だけ使えます。削除するか control を直してください。");
    };
    const std::string id = shown(ex.id());
    switch (ex.control()) {
        case v1::USB: {
            notFor(sha, "software");
            notFor(path, "software");
            // A stick is decided when it is plugged in, before anything says whose hand it is in;
            // the agent would never honour such an exception, so it is refused here.
            if (user) {
                error(user->key.Mark(),
                      "exception \"" + id + "\" for usb cannot be limited to a user: a device is decided when it is "
                          "plugged in, whoever is logged on; scope it to the terminal (terminal:) instead",
                      "usb の例外措置「" + id + "」は user で利用者を限定できません。機器は誰がログオンしているかに関係なく"
                          "接続時に判定されるためです。terminal: で端末を指定してください。");
            }
            if (!device) {
                error(at, "exception \"" + id + "\" for usb has no device; write device: VID:PID:SERIAL as lsusb shows it, "
                          "e.g. device: \"0781:5581:4C530001\"",
                      "usb の例外措置「" + id + "」に device がありません。lsusb の表示どおり device: ベンダー:プロダクト:シリアル"
                          " の形で書いてください（例: device: \"0781:5581:4C530001\"）。");
            } else if (auto v = text(*device)) {
                const auto parsed = UsbDeviceId::parse(*v);
                if (parsed) ex.set_usb_device(parsed.id->str());
                else error(device->value.Mark(), device->path + ": " + parsed.why, device->path + ": " + parsed.why_ja);
            }
            // Like a registration, an exception without access: is write-protected (004:376):
            // writing has to be asked for, and approved, in so many words.
            ex.set_usb_action(v1::ALLOW_READONLY);
            if (access) {
                if (auto v = choice(*access, kDeviceAccess)) ex.set_usb_action(*v);
            }
            break;
        }
        case v1::SOFTWARE:
            notFor(device, "usb");
            notFor(access, "usb");
            if (sha && path) {
                error(path->key.Mark(),
                      "exception \"" + id + "\" names both sha256 and path; name the program one way per exception",
                      "例外措置「" + id + "」に sha256 と path の両方があります。プログラムの指定はどちらか一方にしてください。");
            } else if (!sha && !path) {
                error(at, "exception \"" + id + "\" for software names no program; write sha256: <the sha256sum of the "
                          "program> or path: <its absolute path>",
                      "software の例外措置「" + id + "」にプログラムの指定がありません。sha256: <プログラムの sha256sum> か "
                          "path: <プログラムの絶対パス> を書いてください。");
            } else if (sha) {
                if (auto v = sha256(*sha)) ex.set_software_sha256(*v);
            } else if (auto v = absolutePath(*path, false)) {
                if (v->back() == '/') {
                    error(path->value.Mark(),
                          path->path + " \"" + shown(*v) + "\" is a directory; an exception names one program, e.g. "
                              "/opt/migration/bin/convert (a directory of approved programs belongs in "
                              "software.allowed_path_prefixes)",
                          path->path + " の「" + shown(*v) + "」はディレクトリです。例外措置では 1 つのプログラムを指定してください"
                              "（例: /opt/migration/bin/convert）。許可するディレクトリは software.allowed_path_prefixes に書きます。");
                } else {
                    ex.set_software_path(*v);
                }
            }
            break;
        case v1::HOURS:
            notFor(device, "usb");
            notFor(access, "usb");
            notFor(sha, "software");
            notFor(path, "software");
            ex.set_hours_extension(true);  // 000:129 時間外利用の承認
            break;
        default:
            notFor(device, "usb");
            notFor(access, "usb");
            notFor(sha, "software");
            notFor(path, "software");
            break;
    }
}

void Loader::parseExceptions(const Entry* e, v1::Policy& policy) {
    if (!e) return;
    auto items = list(*e);
    if (!items) return;
    std::map<std::string, int> ids;
    for (const auto& item : *items) {
        Section s(*this, item.value, item.path,
                  {"id", "control", "terminal", "group", "user", "reason", "requested_by", "approved_by", "expires",
                   "device", "access", "sha256", "path"});
        if (!s.valid()) continue;
        v1::PolicyException ex;
        const YAML::Mark at = item.value.Mark();
        auto required = [&](std::string_view key, const std::string& hint_en, const std::string& hint_ja) -> const Entry* {
            const Entry* x = s.find(key);
            if (!x) {
                const std::string who = ex.id().empty() ? std::string() : " \"" + shown(ex.id()) + "\"";
                const std::string who_ja = ex.id().empty() ? std::string() : "「" + shown(ex.id()) + "」";
                error(at, "exception" + who + " has no " + std::string(key) + "; " + hint_en,
                      "例外措置" + who_ja + "に " + std::string(key) + " がありません。" + hint_ja);
            }
            return x;
        };
        if (const Entry* x = required("id", "give it the number of its approval record, e.g. id: EX-2026-004",
                                      "承認記録の番号を書いてください（例: id: EX-2026-004）。")) {
            if (auto v = text(*x)) {
                ex.set_id(*v);
                auto [it, inserted] = ids.try_emplace(*v, x->value.Mark().line + 1);
                if (!inserted) {
                    error(x->value.Mark(),
                          "exception id \"" + shown(*v) + "\" is used twice (first on line " + std::to_string(it->second) +
                              "); give each exception its own id",
                          "例外措置の ID「" + shown(*v) + "」が重複しています（最初は " + std::to_string(it->second) +
                              " 行目）。それぞれ別の ID にしてください。");
                }
            }
        }
        const Entry* control = required("control", "write which control it relaxes: usb, hours or software",
                                        "どの制御の例外かを書いてください（usb、hours、software）。");
        if (control) {
            // The agent has nothing to relax a screen lock by: a section that needs a longer
            // delay gets a profile of its own, which is what an exception would pretend to be.
            if (auto v = choice(*control, kControls); v && *v == v1::SCREEN_LOCK)
                error(control->value.Mark(),
                      "the screen lock takes no exceptions; give the section its own profile with "
                      "screen_lock.idle_minutes instead",
                      "画面ロックには例外措置を設定できません。その所属用のプロファイルで screen_lock.idle_minutes "
                      "を指定してください。");
            else if (v)
                ex.set_control(*v);
        }
        const Entry* terminal = s.find("terminal");
        const Entry* group = s.find("group");
        if (!terminal && !group) {
            // Without a scope it would reach every terminal the profile is pushed to.
            error(at, "exception \"" + shown(ex.id()) + "\" has no scope, so it would apply to every terminal this profile "
                      "reaches; write terminal: <terminal id> or group: <section or tier> (and user: <login name> to "
                      "limit it to one person)",
                  "例外措置「" + shown(ex.id()) + "」に対象がないため、このポリシーを配布するすべての端末に適用されてしまいます。"
                      "terminal: <端末 ID> か group: <所属またはネットワーク系> を書いてください（1 人に限るときは user: "
                      "<ログイン名> も書きます）。");
        } else if (terminal && group) {
            error(group->key.Mark(),
                  "exception \"" + shown(ex.id()) + "\" names both a terminal and a group; write one scope per exception",
                  "例外措置「" + shown(ex.id()) + "」に terminal と group の両方があります。対象はどちらか一方にしてください。");
        }
        if (terminal) {
            if (auto v = text(*terminal)) ex.set_terminal(*v);
        }
        if (group && !terminal) {
            if (auto v = text(*group)) ex.set_group(*v);
        }
        if (const Entry* x = s.find("user")) {
            if (auto v = text(*x)) ex.set_user(*v);
        }
        if (const Entry* x = required("reason", "write why it is needed, as in the approval record",
                                      "承認記録と同じく理由を書いてください。")) {
            if (auto v = text(*x)) ex.set_reason(*v);
        }
        const Entry* requested = required("requested_by", "write who asked for it", "申請者を書いてください。");
        const Entry* approved = required("approved_by", "write who approved it (the CISO or the person the CISO named)",
                                         "承認者（CISO またはその指名者）を書いてください。");
        if (requested) {
            if (auto v = text(*requested)) ex.set_requested_by(*v);
        }
        if (approved) {
            if (auto v = text(*approved)) ex.set_approved_by(*v);
        }
        if (requested && approved && !ex.requested_by().empty() &&
            normalizedPerson(ex.requested_by()) == normalizedPerson(ex.approved_by())) {
            error(approved->value.Mark(),
                  "exception \"" + shown(ex.id()) + "\" is approved by the person who requested it (\"" +
                      shown(ex.requested_by()) + "\"); the approver must be someone else",
                  "例外措置「" + shown(ex.id()) + "」は申請者「" + shown(ex.requested_by()) +
                      "」本人が承認しています。申請者と承認者は別の人にしてください。");
        }
        if (const Entry* x = required("expires",
                                      "an exception (例外措置) must end on a set day; write e.g. expires: 2026-03-31",
                                      "例外措置には期限が必要です。expires: 2026-03-31 のように書いてください。")) {
            if (auto v = exceptionExpiry(*x)) ex.set_expires_unix(*v);
        }
        parseExceptionSubject(s, at, ex);
        *policy.add_exceptions() = std::move(ex);
    }
}

// ---------------------------------------------------------------------------------------------

std::optional<v1::Policy> Loader::run(std::string_view yaml) {
    if (yaml.size() > PolicyLoader::kMaxBytes) {
        error(YAML::Mark::null_mark(), "the file is larger than 1 MiB; a policy profile is a few kilobytes, so check that this is the right file",
              "ファイルが 1 MiB を超えています。ポリシーは数 KB のはずなので、正しいファイルか確認してください。");
        return std::nullopt;
    }
    const std::string source(yaml);
    YAML::Node root;
    try {
        // Count the documents first with a parser of our own: yaml-cpp 0.7's LoadAll loops
        // forever on some malformed input, handing back the same document again and again.
        std::istringstream in(source);
        YAML::Parser parser(in);
        DocumentStarts starts;
        if (parser.HandleNextDocument(starts) && parser.HandleNextDocument(starts) && starts.marks.size() >= 2 &&
            starts.marks[1].pos > starts.marks[0].pos) {
            error(starts.marks[1], "the file holds more than one YAML document (---); keep one profile per file",
                  "ファイルに YAML 文書が複数あります（---）。1 ファイルに 1 つのポリシーにしてください。");
            return std::nullopt;
        }
        root = YAML::Load(source);
    } catch (const YAML::Exception& ex) {
        // yaml-cpp reports a tab in the indentation as whatever it stumbles over next;
        // name the tab itself, the usual cause when a file was edited in Notepad.
        if (const auto tab = firstIndentTab(yaml, ex.mark.is_null() ? -1 : ex.mark.line)) {
            errorAt(file_, tab->first, tab->second,
                    "a tab is used for indentation; YAML indents with spaces only, so replace the tab with spaces",
                    "字下げにタブが使われています。YAML の字下げは空白だけなので、タブを空白に置き換えてください。");
            return std::nullopt;
        }
        error(ex.mark, "YAML syntax error: " + ex.msg + "; check the indentation, colons and quotes at this spot",
              "YAML の書き方に誤りがあります（" + yamlMessageJa(ex.msg) + "）。この位置の字下げ、コロン、引用符を確認してください。");
        return std::nullopt;
    }
    if (root.IsNull()) {
        error(YAML::Mark::null_mark(), "the file is empty; a profile needs at least name: and the sections it changes (usb, hours, software, screen_lock)",
              "ファイルが空です。少なくとも name: と、変更する項目（usb、hours、software、screen_lock）が必要です。");
        return std::nullopt;
    }
    Section top(*this, root, "",
                {"name", "description", "usb", "hours", "software", "screen_lock", "reporting", "exceptions",
                 "max_exception_days", "helpdesk"});
    if (!top.valid()) return std::nullopt;

    v1::Policy policy;
    if (const Entry* e = top.find("name")) {
        if (auto v = text(*e)) policy.set_name(*v);
    } else {
        error(root.Mark(), "the profile has no name; add a first line such as name: mynumber",
              "ポリシーに name がありません。先頭に name: mynumber のような行を加えてください。");
    }
    if (const Entry* e = top.find("description")) {
        if (auto v = text(*e, false)) policy.set_description(*v);
    }
    if (const Entry* e = top.find("helpdesk")) {
        // One line in a desktop notification: long enough for a section, a name and two numbers.
        constexpr size_t kMaxHelpdesk = 200;
        if (auto v = text(*e)) {
            if (v->size() > kMaxHelpdesk)
                error(e->value.Mark(), "helpdesk is longer than 200 bytes; say whom to call in one short line",
                      "helpdesk が 200 バイトを超えています。問い合わせ先を 1 行で短く書いてください。");
            else policy.set_helpdesk(*v);
        }
    }
    // The longest an exception requested through the collector may be approved for (004:1110:
    // exceptions are time-limited); a year at most, so no exception becomes the rule.
    policy.set_max_exception_days(90);
    if (const Entry* e = top.find("max_exception_days")) {
        if (auto v = integer(*e, 1, 365, "days", "日")) policy.set_max_exception_days(static_cast<std::uint32_t>(*v));
    }

    // A section left out is the built-in default's section, so a profile need only say what
    // it changes; inside a section, settings left out take the per-setting defaults.
    const v1::Policy* fallback = nullptr;
    v1::Policy builtin;
    if (!builtin_) {
        builtin = PolicyLoader::builtInDefault();
        fallback = &builtin;
    }
    auto sectionOf = [&](std::string_view key) -> const Entry* { return top.find(key); };

    if (const Entry* e = sectionOf("usb"); e || !fallback) parseUsb(e, *policy.mutable_usb());
    else *policy.mutable_usb() = fallback->usb();
    if (const Entry* e = sectionOf("hours"); e || !fallback) parseHours(e, *policy.mutable_hours());
    else *policy.mutable_hours() = fallback->hours();
    zone_ = findZone(policy.hours().time_zone());
    if (const Entry* e = sectionOf("software"); e || !fallback) parseSoftware(e, *policy.mutable_software());
    else *policy.mutable_software() = fallback->software();
    if (const Entry* e = sectionOf("screen_lock"); e || !fallback) parseScreenLock(e, *policy.mutable_screen_lock());
    else *policy.mutable_screen_lock() = fallback->screen_lock();
    if (const Entry* e = sectionOf("reporting"); e || !fallback) parseReporting(e, *policy.mutable_reporting());
    else *policy.mutable_reporting() = fallback->reporting();
    parseExceptions(sectionOf("exceptions"), policy);

    if (!errors_.empty()) return std::nullopt;
    return policy;
}

}  // namespace

// -------------------------------------------------------------------------------------------------

PolicyLoader::Result PolicyLoader::Result::success(mamori::v1::Policy policy) {
    Result r;
    r.policy_ = std::move(policy);
    return r;
}

PolicyLoader::Result PolicyLoader::Result::failure(std::vector<PolicyError> errors) {
    Result r;
    r.errors_ = std::move(errors);
    return r;
}

const mamori::v1::Policy& PolicyLoader::Result::policy() const& {
    if (!policy_) throw std::logic_error("PolicyLoader::Result::policy() called on a failed load");
    return *policy_;
}

mamori::v1::Policy PolicyLoader::Result::policy() && {
    if (!policy_) throw std::logic_error("PolicyLoader::Result::policy() called on a failed load");
    return std::move(*policy_);
}

std::string PolicyLoader::Result::formatErrors() const {
    std::string out;
    for (const auto& e : errors_) {
        out += e.format();
        out += '\n';
    }
    return out;
}

namespace {

// A file name as one word of a POSIX shell command line, so that the command an error suggests
// can be pasted as it is: Japanese names need no quoting, spaces and quotes do.
std::string shellWord(const std::string& s) {
    const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b >= 0x80 || std::isalnum(b) || c == '/' || c == '.' || c == '_' || c == '-' || c == '+' ||
               c == ',' || c == '@' || c == '%' || c == ':';
    });
    if (plain) return s;
    std::string out = "'";
    for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// A profile must be UTF-8: other bytes would pass the YAML parser and flow into signed policies
// and events as broken text. One saved as Shift_JIS on a Windows PC is told so, with the command
// that converts it. UTF-16 is refused the same way rather than converted: a profile is edited
// and diffed as text, and the file on disk should be the one that was checked.
std::optional<PolicyError> encodingError(std::string_view yaml, const std::string& file) {
    const auto bad = TextEncoding::firstInvalidUtf8(yaml);
    if (!bad) return std::nullopt;
    const std::string convert_from = yaml.size() >= 2 && ((yaml[0] == '\xFF' && yaml[1] == '\xFE') ||
                                                          (yaml[0] == '\xFE' && yaml[1] == '\xFF'))
                                         ? "UTF-16"
                                         : "CP932";
    std::size_t bad_cp932 = 0;
    const bool shift_jis = convert_from == "CP932" && TextEncoding::cp932ToUtf8(yaml, bad_cp932).has_value();
    const auto [line, column] = TextEncoding::position(yaml, *bad);
    const std::string iconv =
        "iconv -f " + convert_from + " -t UTF-8 " + shellWord(file) + " > " + shellWord(file + ".utf8");
    if (convert_from == "UTF-16")
        return PolicyError{file, 1, 1, "the profile is UTF-16; save it as UTF-8, or convert it: " + iconv,
                           "ポリシーが UTF-16 です。UTF-8 で保存し直すか、次のコマンドで変換してください: " + iconv};
    if (shift_jis)
        return PolicyError{file, line, column,
                           "the profile is not UTF-8: it reads as Shift_JIS (CP932), as Windows editors save it; "
                           "convert it with: " + iconv,
                           "ポリシーが UTF-8 ではありません（Shift_JIS（CP932）で保存されています）。次のコマンドで変換してください: " +
                               iconv};
    return PolicyError{file, line, column, "the profile is not UTF-8 (nor Shift_JIS) from this byte on; save it as UTF-8",
                       "ポリシーのこの位置から UTF-8（Shift_JIS でもない）として読めません。UTF-8 で保存してください"};
}

PolicyLoader::Result loadImpl(std::string_view yaml, std::string file_name, const PolicyLoader::Options& options,
                              bool builtin) {
    if (auto bad = encodingError(yaml, file_name)) return PolicyLoader::Result::failure({std::move(*bad)});
    Loader loader(std::move(file_name), options, builtin);
    try {
        auto policy = loader.run(yaml);
        if (policy) return PolicyLoader::Result::success(std::move(*policy));
    } catch (const std::exception& ex) {
        // Only resource exhaustion or a library fault can get here; the caller still gets
        // an error, not an exception, and keeps its last good policy.
        loader.errors().push_back({"", 0, 0, std::string("internal error while reading the profile: ") + ex.what(),
                                   std::string("ポリシーの読み込み中に内部エラーが発生しました: ") + ex.what()});
    }
    return PolicyLoader::Result::failure(std::move(loader.errors()));
}

}  // namespace

PolicyLoader::Result PolicyLoader::load(std::string_view yaml, std::string file_name) {
    return loadImpl(yaml, std::move(file_name), Options{}, false);
}

PolicyLoader::Result PolicyLoader::loadFile(const std::filesystem::path& path) { return loadFile(path, Options{}); }

PolicyLoader::Result PolicyLoader::load(std::string_view yaml, std::string file_name, const Options& options) {
    return loadImpl(yaml, std::move(file_name), options, false);
}

PolicyLoader::Result PolicyLoader::loadFile(const std::filesystem::path& path, const Options& options) {
    const std::string name = path.string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return Result::failure({{name, 0, 0, "cannot read the profile: the file does not exist or is not a regular file",
                                 "ポリシーを読めません。ファイルが存在しないか、通常のファイルではありません。"}});
    }
    std::ifstream in(path, std::ios::binary);
    std::string text(kMaxBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) {
        return Result::failure({{name, 0, 0, "cannot read the profile (I/O error)", "ポリシーを読めません（入出力エラー）。"}});
    }
    text.resize(static_cast<std::size_t>(in.gcount()));
    return load(text, name, options);
}

std::string_view PolicyLoader::builtInDefaultYaml() { return kDefaultProfileYaml; }

mamori::v1::Policy PolicyLoader::builtInDefault() {
    static const mamori::v1::Policy policy = [] {
        Options options;
        options.allow_file_reads = false;
        auto r = loadImpl(kDefaultProfileYaml, "default.yaml (built in)", options, true);
        if (r) return std::move(r).policy();
        // A unit test keeps default.yaml loadable; should it ever fail, a terminal still
        // gets the per-setting defaults, which block storage and lock the screen.
        return std::move(loadImpl("name: default", "built in", options, true)).policy();
    }();
    return policy;
}

}  // namespace mamori::policy
