#include "mamori/policy/HolidayCsv.h"

#include "mamori/policy/TextEncoding.h"

#include <date/date.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <optional>
#include <system_error>

namespace mamori::policy {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::size_t kMaxErrors = 50;

std::size_t countCodePoints(std::string_view s) {
    std::size_t n = 0;
    for (const char ch : s) {
        if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;
    }
    return n;
}

std::string_view trim(std::string_view s) {
    // ASCII blanks and the full-width space (U+3000) that Japanese editors leave behind.
    for (;;) {
        if (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
            s.remove_prefix(1);
        } else if (s.size() >= 3 && s.substr(0, 3) == "\xE3\x80\x80") {
            s.remove_prefix(3);
        } else {
            break;
        }
    }
    for (;;) {
        if (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
            s.remove_suffix(1);
        } else if (s.size() >= 3 && s.substr(s.size() - 3) == "\xE3\x80\x80") {
            s.remove_suffix(3);
        } else {
            break;
        }
    }
    return s;
}

struct Field {
    std::string text;
    std::size_t offset = 0;  // byte offset of the field in its line
};

// One line of RFC 4180 CSV. Quoted fields may hold commas and doubled quotes; a field
// cannot span lines (the Cabinet Office file never does that).
bool splitCsvLine(std::string_view line, std::vector<Field>& fields) {
    fields.clear();
    std::size_t i = 0;
    for (;;) {
        Field f;
        f.offset = i;
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (i < line.size() && line[i] == '"') {
            f.offset = i;
            ++i;
            bool closed = false;
            while (i < line.size()) {
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        f.text += '"';
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                f.text += line[i++];
            }
            if (!closed) return false;
            while (i < line.size() && line[i] != ',') ++i;  // blanks after the closing quote
        } else {
            const std::size_t start = i;
            while (i < line.size() && line[i] != ',') ++i;
            f.text.assign(line.substr(start, i - start));
        }
        fields.push_back(std::move(f));
        if (i >= line.size()) return true;
        ++i;  // the comma
    }
}

bool parseNumber(std::string_view s, int& out) {
    if (s.empty() || s.size() > 4) return false;
    int v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

// "2026/1/1", "2026/01/01" or "2026-01-01".
std::optional<std::string> parseDate(std::string_view s) {
    const char sep = s.find('/') != std::string_view::npos ? '/' : '-';
    const auto p1 = s.find(sep);
    if (p1 != 4) return std::nullopt;
    const auto p2 = s.find(sep, p1 + 1);
    if (p2 == std::string_view::npos) return std::nullopt;
    const auto ys = s.substr(0, p1);
    const auto ms = s.substr(p1 + 1, p2 - p1 - 1);
    const auto ds = s.substr(p2 + 1);
    int y = 0, m = 0, d = 0;
    if (!parseNumber(ys, y) || ms.size() > 2 || ds.size() > 2 || !parseNumber(ms, m) ||
        !parseNumber(ds, d)) {
        return std::nullopt;
    }
    if (y < 1948 || y > 2999) return std::nullopt;  // the holiday law dates from 1948
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                                   date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return std::string(buf);
}

bool isKnownHeader(std::string_view first_field) {
    // The current title and the one used before 2020 (when 休日 was not yet in the header).
    return first_field == "国民の祝日・休日月日" || first_field == "国民の祝日月日" ||
           first_field == "月日" || first_field == "date";
}

std::string shorten(std::string_view s) {
    constexpr std::size_t kMax = 40;
    if (s.size() <= kMax) return std::string(s);
    std::size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return std::string(s.substr(0, cut)) + "…";
}

class Parser {
public:
    explicit Parser(const std::string& file) : file_(file) {}

    HolidayCsv::Result run(std::string_view bytes) {
        if (bytes.size() > HolidayCsv::kMaxBytes) {
            error(0, 0,
                  "the file is larger than 1 MiB, so it is not the Cabinet Office holiday list; "
                  "check closed_days_csv points at syukujitsu.csv",
                  "ファイルが 1 MiB を超えており、内閣府の祝日一覧ではありません。closed_days_csv が "
                  "syukujitsu.csv を指しているか確認してください。");
            return finish();
        }
        std::string text;
        if (bytes.substr(0, kBom.size()) == kBom) {
            bytes.remove_prefix(kBom.size());
            if (const auto bad = TextEncoding::firstInvalidUtf8(bytes)) {
                encodingError(bytes, *bad, "the file starts with a UTF-8 BOM but is not valid UTF-8",
                              "UTF-8 の BOM で始まっていますが、UTF-8 として正しくありません");
                return finish();
            }
            text.assign(bytes);
        } else if (const auto bad_utf8 = TextEncoding::firstInvalidUtf8(bytes); !bad_utf8) {
            text.assign(bytes);
        } else {
            std::size_t bad_cp932 = 0;
            auto converted = TextEncoding::cp932ToUtf8(bytes, bad_cp932);
            if (!converted) {
                // Point at the spot in whichever reading got further: that is the file's
                // real encoding, and the byte there is the damaged one.
                encodingError(bytes, std::max(*bad_utf8, bad_cp932), "the file is neither UTF-8 nor Shift_JIS",
                              "UTF-8 でも Shift_JIS でもありません");
                return finish();
            }
            text = std::move(*converted);
        }
        parseLines(text);
        return finish();
    }

private:
    void error(int line, int column, std::string en, std::string ja) {
        if (result_.errors.size() == kMaxErrors) {
            result_.errors.push_back({file_, line, column,
                                      "too many errors; fix the ones above and check again",
                                      "エラーが多すぎるため、ここで確認を打ち切りました。上のエラーを直してから再度確認してください。"});
        }
        if (result_.errors.size() > kMaxErrors) return;
        result_.errors.push_back({file_, line, column, std::move(en), std::move(ja)});
    }

    void encodingError(std::string_view bytes, std::size_t offset, const std::string& en,
                       const std::string& ja) {
        int line = 1;
        std::size_t line_start = 0;
        for (std::size_t i = 0; i < offset && i < bytes.size(); ++i) {
            if (bytes[i] == '\n') {
                ++line;
                line_start = i + 1;
            }
        }
        error(line, static_cast<int>(offset - line_start) + 1,
              en + "; download syukujitsu.csv again from the Cabinet Office (内閣府) or save it "
                   "as UTF-8",
              ja + "。内閣府のサイトから syukujitsu.csv を取り直すか、UTF-8 で保存し直してください。");
    }

    void parseLines(std::string_view text) {
        int line_no = 0;
        std::vector<Field> fields;
        bool seen_content = false;
        while (!text.empty()) {
            ++line_no;
            const auto nl = text.find('\n');
            std::string_view line = text.substr(0, nl);
            text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (trim(line).empty()) continue;
            const bool first = !seen_content;
            seen_content = true;
            if (!splitCsvLine(line, fields)) {
                error(line_no, 1, "a quoted field is not closed; add the missing \" or remove the quote",
                      "引用符 \" が閉じられていません。閉じる \" を補うか、引用符を取り除いてください。");
                continue;
            }
            const std::string_view date_text = trim(fields[0].text);
            if (first && isKnownHeader(date_text)) continue;
            const int date_col = column(line, fields[0].offset);
            const auto date = parseDate(date_text);
            if (!date) {
                const std::string shown = shorten(date_text);
                error(line_no, date_col,
                      "\"" + shown + "\" is not a date; write rows as in the Cabinet Office list, "
                      "YYYY/M/D,name (e.g. 2026/1/1,元日)" +
                          (first ? ", after the header 国民の祝日・休日月日,国民の祝日・休日名称" : ""),
                      "「" + shown + "」は日付として正しくありません。内閣府の一覧と同じく「YYYY/M/D,名称」"
                      "の形で書いてください（例: 2026/1/1,元日）" +
                          (first ? "。1 行目は見出し「国民の祝日・休日月日,国民の祝日・休日名称」です。" : "。"));
                continue;
            }
            const std::string_view name = fields.size() > 1 ? trim(fields[1].text) : std::string_view{};
            if (name.empty()) {
                const int col = fields.size() > 1 ? column(line, fields[1].offset)
                                                  : static_cast<int>(countCodePoints(line)) + 1;
                error(line_no, col,
                      "the holiday name is missing after " + std::string(date_text) +
                          "; write it after a comma, e.g. 2026/1/1,元日",
                      std::string(date_text) +
                          " の後に祝日名がありません。カンマの後に名称を書いてください（例: 2026/1/1,元日）。");
                continue;
            }
            bool extra = false;
            for (std::size_t k = 2; k < fields.size(); ++k) {
                if (!trim(fields[k].text).empty()) {
                    error(line_no, column(line, fields[k].offset),
                          "unexpected third column \"" + shorten(trim(fields[k].text)) +
                              "\"; a row has two columns, date and name",
                          "3 列目「" + shorten(trim(fields[k].text)) +
                              "」は不要です。1 行は「日付,名称」の 2 列です。");
                    extra = true;
                    break;
                }
            }
            if (extra) continue;
            result_.entries.push_back({*date, std::string(name)});
        }
        if (result_.errors.empty() && result_.entries.empty()) {
            error(0, 0, "the file lists no holidays; expected rows like 2026/1/1,元日",
                  "祝日が 1 件もありません。「2026/1/1,元日」のような行が必要です。");
        }
    }

    static int column(std::string_view line, std::size_t offset) {
        return static_cast<int>(countCodePoints(line.substr(0, offset))) + 1;
    }

    HolidayCsv::Result finish() {
        if (!result_.errors.empty()) result_.entries.clear();
        return std::move(result_);
    }

    const std::string& file_;
    HolidayCsv::Result result_;
};

}  // namespace

HolidayCsv::Result HolidayCsv::parse(std::string_view bytes, const std::string& file_name) {
    return Parser(file_name).run(bytes);
}

HolidayCsv::Result HolidayCsv::parseFile(const std::filesystem::path& path) {
    const std::string name = path.string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        Result r;
        r.errors.push_back({name, 0, 0,
                            "cannot read the file: it does not exist or is not a regular file",
                            "ファイルを読めません。存在しないか、通常のファイルではありません。"});
        return r;
    }
    std::ifstream in(path, std::ios::binary);
    std::string bytes;
    bytes.resize(kMaxBytes + 1);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (in.bad()) {
        Result r;
        r.errors.push_back({name, 0, 0, "cannot read the file (I/O error)",
                            "ファイルを読めません（入出力エラー）。"});
        return r;
    }
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    return parse(bytes, name);
}

}  // namespace mamori::policy
