// mamorictl: the administrators' command line for a mamori collector.
#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>

#include "collector/EvidenceVerifier.h"
#include "collector/ReportTable.h"
#include "collector/Store.h"
#include "collector/StoreMigration.h"
#include "mamori/policy/PolicyLoader.h"
#include "mamori/policy/PolicySummary.h"
#include "mamori/common/ConfigFile.h"
#include "mamori/common/Files.h"
#include "mamori/common/HttpsClient.h"
#include "mamori/v1/evidence.pb.h"

namespace po = boost::program_options;
namespace json = boost::json;
namespace http = boost::beast::http;
using mamori::collector::ReportTable;

namespace {

// Each command's synopsis; `mamorictl COMMAND --help` prints the matching ones.
struct CommandHelp {
    const char* words;
    const char* text;
};
const CommandHelp kCommands[] = {
    {"token create", "  token create [--group G] [--valid-hours N]     a one-time enrollment token for a terminal\n"},
    {"terminals", "  terminals [--format F]                         enrolled terminals and whether they report\n"},
    {"violations", "  violations [--today | --date YYYY-MM-DD] [--section S] [--control C] [--format F]\n"
                   "                                                 which terminals violated which control that day\n"},
    {"events", "  events --terminal T [--since YYYY-MM-DD] [--limit N] [--format F]\n"
               "                                                 a terminal's evidence (every read is logged)\n"},
    {"export", "  export --terminal T --from YYYY-MM-DD --to YYYY-MM-DD OUT\n"
               "                                                 a terminal's signed events of those local dates,\n"
               "                                                 its certificate and the CA's, as one file (a\n"
               "                                                 mamori.v1.EvidenceBundle) for audits; logged as a read\n"},
    {"verify", "  verify FILE [--ca CA.pem]                      check an exported bundle offline: the certificate\n"
               "                                                 chains to the CA (--ca: the CA you trust), every\n"
               "                                                 hash links, every signature verifies; exit 1 if not\n"},
    {"report monthly", "  report monthly --month YYYY-MM [--section S] [--format F]\n"
                       "                                                 月次点検: per section, violations by control, the\n"
                       "                                                 terminals with most violations, and days not\n"
                       "                                                 reporting (whole days after enrollment, before today)\n"},
    {"policy check", "  policy check FILE                              validate a profile and say what it enforces\n"},
    {"policy push", "  policy push FILE [--group G]                   validate, version, sign and assign a profile\n"},
    {"policy status", "  policy status [--behind] [--format F]          which terminals run which policy version\n"},
    {"terminal set-group", "  terminal set-group TERMINAL GROUP              move a terminal to another section or tier; its\n"
                           "                                                 new group's policy is re-issued to it\n"},
    {"exception grant", "  exception grant (--terminal T | --group G) --control usb|software|hours\n"
                        "      (--device VID:PID:SERIAL | --software SHA256 | --hours-extension)\n"
                        "      --until YYYY-MM-DD --reason TEXT --requested-by NAME --approved-by NAME\n"
                        "                                                 an approved exception (例外措置); agents get it\n"
                        "                                                 at their next sync and drop it at expiry\n"},
    {"exception list", "  exception list [--expiring 7d] [--format F]    exceptions in force (or ending within N days)\n"},
    {"access-log", "  access-log [--since YYYY-MM-DD] [--limit N] [--format F]\n"
                   "                                                 who read which terminal's events, newest first\n"},
    {"user add", "  user add NAME --role admin|officer|ciso|auditor [--section S ...]\n"
                 "                                                 a person with their own token (printed once);\n"
                 "                                                 officers see only their sections\n"},
    {"migrate", "  migrate --from STORE --to STORE                copy a whole store (sqlite:PATH, postgresql://...)\n"
                "                                                 into an empty one, checking the rows of every table;\n"
                "                                                 stop the collector first\n"},
};

const char* kUsageFooter = R"(
F is table (default), csv (UTF-8 with BOM, for Excel) or json.
The collector and your token come from --config, $MAMORI_CTL_CONFIG,
~/.config/mamori/mamorictl.conf, /etc/mamori/mamorictl.conf or, on the collector's own
machine, /var/lib/mamori-collector/mamorictl.conf (url, ca, token_file).
verify and migrate need no collector.
)";

// The usage of the commands `words` starts with (all of them for none).
std::string usage(const std::vector<std::string>& words) {
    std::string prefix;
    for (const auto& w : words) prefix += (prefix.empty() ? "" : " ") + w;
    std::string matching;
    for (const auto& c : kCommands) {
        const std::string name = c.words;
        if (prefix.empty() || name == prefix || name.rfind(prefix + " ", 0) == 0 || prefix.rfind(name + " ", 0) == 0)
            matching += c.text;
    }
    if (matching.empty() || prefix.empty()) {
        matching.clear();
        for (const auto& c : kCommands) matching += c.text;
        return "usage: mamorictl [--config FILE] COMMAND [options]\n\ncommands:\n" + matching + kUsageFooter;
    }
    return "usage: mamorictl [--config FILE] COMMAND [options]\n\n" + matching;
}

struct Ctl {
    std::string url, ca_pem, token;

    static Ctl load(std::string path) {
        if (path.empty()) {
            if (const char* env = std::getenv("MAMORI_CTL_CONFIG")) path = env;
        }
        if (path.empty()) {
            const char* home = std::getenv("HOME");
            std::string user = home ? std::string(home) + "/.config/mamori/mamorictl.conf" : "";
            // The last one is what the collector package's first start writes for its local administrator.
            for (std::string candidate : {user, std::string("/etc/mamori/mamorictl.conf"),
                                          std::string("/var/lib/mamori-collector/mamorictl.conf")}) {
                if (!candidate.empty() && std::filesystem::exists(candidate)) {
                    path = candidate;
                    break;
                }
            }
            if (path.empty()) path = "/etc/mamori/mamorictl.conf";
        }
        auto cfg = mamori::common::ConfigFile::load(path, {"url", "ca", "token_file"});
        Ctl c;
        c.url = cfg.get("url", "https://127.0.0.1:8444");
        c.ca_pem = mamori::common::Files::read(cfg.get("ca", "/etc/mamori/ca.pem"));
        c.token = mamori::common::Files::read(cfg.get("token_file", "/etc/mamori/admin.token"));
        while (!c.token.empty() && (c.token.back() == '\n' || c.token.back() == '\r')) c.token.pop_back();
        return c;
    }

    // The answer's body as it is; an error answer throws with the collector's words.
    std::string fetch(http::verb method, const std::string& target, const std::string& body = {}) const {
        auto tls = mamori::common::HttpsClient::context(ca_pem);
        auto res = mamori::common::HttpsClient::fetch(*tls, url, method, target, body, "application/json",
                                                     {{"Authorization", "Bearer " + token}},
                                                     std::chrono::seconds(300));
        if (res.status >= 300) {
            boost::system::error_code ec;
            json::value v = json::parse(res.body, ec);
            std::string msg = !ec && v.is_object() && v.as_object().contains("error")
                                  ? json::value_to<std::string>(v.at("error")) +
                                        (v.as_object().contains("error_ja")
                                             ? "\n  " + json::value_to<std::string>(v.at("error_ja"))
                                             : "")
                                  : res.body;
            throw std::runtime_error("the collector answered HTTP " + std::to_string(res.status) + ": " + msg);
        }
        return std::move(res.body);
    }

    json::value call(http::verb method, const std::string& target, const std::string& body = {}) const {
        const std::string answer = fetch(method, target, body);
        boost::system::error_code ec;
        json::value v = json::parse(answer, ec);
        if (ec) throw std::runtime_error("the collector's answer is not JSON");
        return v;
    }
};

std::string str(const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    if (v.is_bool()) return v.as_bool() ? "yes" : "no";
    return json::serialize(v);
}

std::string when(int64_t unix) {
    if (!unix) return "never";
    time_t t = unix;
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", localtime(&t));
    return buf;
}

void emit(const ReportTable& t, const json::value& raw, const std::string& format, const std::string& empty_note) {
    if (format == "json") std::cout << json::serialize(raw) << "\n";
    else if (format == "csv") std::cout << t.csv();
    else if (format == "table") {
        std::cout << t.table();
        if (t.empty()) std::cout << empty_note << "\n";
    } else throw std::invalid_argument("--format must be table, csv or json");
}

std::string urlEncode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else {
            char buf[4];
            snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

int policyCheck(const std::string& file, mamori::v1::Policy* out = nullptr) {
    auto result = mamori::policy::PolicyLoader::loadFile(file);
    if (!result) {
        std::cerr << result.formatErrors();
        std::cerr << file << ": rejected (" << result.errors().size() << " problem(s)); nothing was changed\n";
        return 1;
    }
    if (out) *out = result.policy();
    else std::cout << file << ": valid\n" << mamori::policy::PolicySummary::describe(result.policy());
    return 0;
}

int verifyBundle(const std::string& file, const std::string& ca_file) {
    using mamori::collector::EvidenceVerifier;
    const auto verdict =
        EvidenceVerifier::verify(EvidenceVerifier::read(file), ca_file.empty() ? "" : mamori::common::Files::read(ca_file));
    if (!verdict.ok) {
        std::cout << file << ": verification FAILED"
                  << (verdict.bad_seq ? " at seq " + std::to_string(*verdict.bad_seq) : std::string()) << ": "
                  << verdict.reason << "\n  検証失敗: " << verdict.reason_ja << "\n";
        return 1;
    }
    std::cout << file << ": verified " << verdict.summary << "\n  検証成功: 全イベントのハッシュ連鎖と署名を確認しました\n";
    if (ca_file.empty())
        std::cout << "  the CA is the bundle's own: compare " << verdict.ca_fingerprint
                  << " with the collector's, or give --ca\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description opts("options");
    std::string config, group, date, section, control, format = "table", terminal, since;
    std::string device, software, until, reason, requested_by, approved_by, expiring, role;
    std::string from, to, month, ca_file;
    std::vector<std::string> sections;
    int valid_hours = 24, limit = 1000;
    std::vector<std::string> words;
    opts.add_options()("help,h", "show this help")("version", "show the version")("config", po::value(&config), "mamorictl.conf to use")
        ("group", po::value(&group), "section (所属) or network tier")
        ("valid-hours", po::value(&valid_hours), "token lifetime in hours (default 24)")
        ("today", "today in the municipality's time zone (the default)")
        ("date", po::value(&date), "a local date, YYYY-MM-DD")("section", po::value(&sections), "only this section; user add: a section of the officer (repeatable)")
        ("role", po::value(&role), "user add: admin, officer, ciso or auditor")
        ("control", po::value(&control), "only this control: usb, hours, software, screen_lock, agent, evidence, reporting")
        ("format", po::value(&format), "table, csv or json")("terminal", po::value(&terminal), "terminal id")
        ("behind", "only terminals behind the latest policy of their group")
        ("device", po::value(&device), "exception: USB device VID:PID:SERIAL")
        ("software", po::value(&software), "exception: program SHA-256")
        ("hours-extension", "exception: use outside the permitted hours")
        ("until", po::value(&until), "exception: last local date it applies (required)")
        ("reason", po::value(&reason), "exception: why")("requested-by", po::value(&requested_by), "exception: who asked")
        ("approved-by", po::value(&approved_by), "exception: who approved (not the requester)")
        ("expiring", po::value(&expiring), "exception list: only those ending within this period, e.g. 7d")
        ("since", po::value(&since), "events from this local date")("limit", po::value(&limit), "at most N events")
        ("from", po::value(&from), "export: first local date; migrate: the store to copy")
        ("to", po::value(&to), "export: last local date; migrate: the empty store to copy into")
        ("month", po::value(&month), "report monthly: YYYY-MM")
        ("ca", po::value(&ca_file), "verify: the CA certificate (ca.pem) to check against");
    po::options_description hidden;
    hidden.add_options()("words", po::value(&words));
    po::options_description all;
    all.add(opts).add(hidden);
    po::positional_options_description pos;
    pos.add("words", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << "mamorictl: " << e.what() << "\n(try --help)\n";
        return 2;
    }
    if (vm.count("version")) {
        std::cout << "mamorictl " MAMORI_VERSION "\n";
        return 0;
    }
    if (vm.count("help") || words.empty()) {
        std::cout << usage(words) << "\n" << opts;
        return words.empty() && !vm.count("help") ? 2 : 0;
    }
    auto is = [&](std::initializer_list<const char*> w) {
        if (words.size() < w.size()) return false;
        size_t i = 0;
        for (const char* x : w)
            if (words[i++] != x) return false;
        return true;
    };
    try {
        if (is({"policy", "check"}) && words.size() == 3) return policyCheck(words[2]);
        if (is({"verify"}) && words.size() == 2) return verifyBundle(words[1], ca_file);
        if (is({"migrate"}) && words.size() == 1) {
            if (from.empty() || to.empty())
                throw std::invalid_argument("migrate needs --from STORE and --to STORE (try mamorictl migrate --help)");
            if (from == to) throw std::invalid_argument("--from and --to name the same store");
            auto source = mamori::collector::openStore(from);
            auto destination = mamori::collector::openStore(to);
            const auto counts = mamori::collector::StoreMigration::run(
                *source, *destination, [](const std::string& table) { std::cerr << "copying " << table << "\n"; });
            ReportTable t({"table", "rows in source", "rows copied"});
            for (const auto& c : counts) t.add({c.table, std::to_string(c.source), std::to_string(c.copied)});
            std::cout << t.table()
                      << "every table copied and its rows counted; point `store` in collector.conf at the new store "
                         "and start the collector\n全テーブルを移行し件数を確認しました。collector.conf の store を"
                         "移行先に変更してコレクターを起動してください。\n";
            return 0;
        }
        if (!sections.empty()) section = sections.back();
        Ctl ctl = Ctl::load(config);
        if (is({"token", "create"})) {
            json::object body{{"group", group.empty() ? "default" : group}, {"valid_hours", valid_hours}};
            auto v = ctl.call(http::verb::post, "/admin/v1/enroll-tokens", json::serialize(body));
            std::cout << str(v.at("token")) << "\n";
            std::cerr << "one-time token for group '" << str(v.at("group")) << "', valid until "
                      << when(v.at("expires_unix").to_number<int64_t>()) << "\n";
            return 0;
        }
        if (is({"terminals"})) {
            auto v = ctl.call(http::verb::get, "/admin/v1/terminals");
            ReportTable t({"terminal", "section", "policy", "last seen", "events", "reporting"});
            for (const auto& r : v.as_array())
                t.add({str(r.at("id")), str(r.at("group")), str(r.at("policy_version")),
                       when(r.at("last_seen_unix").to_number<int64_t>()), str(r.at("head_seq")),
                       str(r.at("reporting"))});
            emit(t, v, format, "no terminals are enrolled yet");
            return 0;
        }
        if (is({"violations"})) {
            std::string q = "?date=" + urlEncode(date.empty() ? "today" : date);
            if (!section.empty()) q += "&section=" + urlEncode(section);
            if (!control.empty()) q += "&control=" + urlEncode(control);
            auto v = ctl.call(http::verb::get, "/admin/v1/violations" + q);
            ReportTable t({"section", "terminal", "control", "status", "violations", "exempted", "last seen"});
            for (const auto& r : v.at("rows").as_array())
                t.add({str(r.at("section")), str(r.at("terminal")), str(r.at("control")), str(r.at("status")),
                       str(r.at("violations")), str(r.at("exempted")),
                       when(r.at("last_seen_unix").to_number<int64_t>())});
            if (format == "table")
                std::cout << "violations on " << str(v.at("date")) << " (" << str(v.at("time_zone")) << ")\n";
            emit(t, v, format, "no violations: every reporting terminal complied (違反なし)");
            return 0;
        }
        // --since as the query parameter the collector takes (local midnight of that date).
        auto sinceParam = [&]() -> std::string {
            if (since.empty()) return "";
            std::tm tm{};
            if (!strptime(since.c_str(), "%Y-%m-%d", &tm)) throw std::invalid_argument("--since must be YYYY-MM-DD");
            tm.tm_isdst = -1;
            return "&since_unix=" + std::to_string(mktime(&tm));
        };
        if (is({"events"})) {
            if (terminal.empty()) throw std::invalid_argument("events needs --terminal");
            std::string q = "?terminal=" + urlEncode(terminal) + "&limit=" + std::to_string(limit) + sinceParam();
            auto v = ctl.call(http::verb::get, "/admin/v1/events" + q);
            ReportTable t({"seq", "time", "type", "control", "violation", "rule", "hash"});
            for (const auto& e : v.as_array()) {
                const auto& b = e.at("body").as_object();
                auto get = [&](const char* k) { return b.contains(k) ? str(b.at(k)) : std::string(); };
                t.add({str(e.at("seq")), when(e.at("utc_ns").to_number<int64_t>() / 1'000'000'000), get("type"),
                       get("control"), b.contains("violation") ? "yes" : "", get("rule_id"),
                       str(e.at("hash")).substr(0, 16)});
            }
            emit(t, v, format, "no events");
            return 0;
        }
        if (is({"export"}) && words.size() == 2) {
            if (terminal.empty() || from.empty() || to.empty())
                throw std::invalid_argument("export needs --terminal, --from and --to (try mamorictl export --help)");
            const std::string raw = ctl.fetch(http::verb::get, "/admin/v1/export?terminal=" + urlEncode(terminal) +
                                                                  "&from=" + urlEncode(from) + "&to=" + urlEncode(to));
            mamori::v1::EvidenceBundle bundle;
            if (!bundle.ParseFromString(raw)) throw std::runtime_error("the collector's answer is not an evidence bundle");
            // Personal usage records (004:1070): readable by the one who exported them only.
            mamori::common::Files::writeAtomic(words[1], raw, 0600);
            std::cout << "wrote " << words[1] << ": " << bundle.events_size() << " events of terminal "
                      << bundle.terminal_id() << " dated " << from << " to " << to << "; check it with: mamorictl verify "
                      << words[1] << " --ca CA.pem\n";
            return 0;
        }
        if (is({"report", "monthly"}) && words.size() == 2) {
            if (month.empty()) throw std::invalid_argument("report monthly needs --month YYYY-MM");
            std::string q = "?month=" + urlEncode(month);
            if (!section.empty()) q += "&section=" + urlEncode(section);
            const auto v = ctl.call(http::verb::get, "/admin/v1/report/monthly" + q);
            // Three tables on a screen; one long table in CSV, which a spreadsheet pivots.
            ReportTable by_control({"section", "terminals", "control", "violations", "exempted"});
            ReportTable top({"section", "rank", "terminal", "violations"});
            ReportTable silent({"section", "terminal", "days not reporting", "of days"});
            ReportTable long_form({"section", "measure", "item", "count", "of"});
            for (const auto& s : v.at("sections").as_array()) {
                const std::string name = str(s.at("section"));
                std::map<std::string, std::pair<std::string, std::string>> controls;
                for (const auto& [c, n] : s.at("violations").as_object()) controls[c].first = str(n);
                for (const auto& [c, n] : s.at("exempted").as_object()) controls[c].second = str(n);
                if (controls.empty()) by_control.add({name, str(s.at("terminals")), "-", "0", "0"});
                for (const auto& [c, n] : controls) {
                    const std::string violations = n.first.empty() ? "0" : n.first, exempted = n.second.empty() ? "0" : n.second;
                    by_control.add({name, str(s.at("terminals")), c, violations, exempted});
                    long_form.add({name, "violations", c, violations, ""});
                    if (exempted != "0") long_form.add({name, "exempted", c, exempted, ""});
                }
                int rank = 0;
                for (const auto& t : s.at("top_terminals").as_array()) {
                    top.add({name, std::to_string(++rank), str(t.at("terminal")), str(t.at("violations"))});
                    long_form.add({name, "top terminal", str(t.at("terminal")), str(t.at("violations")), ""});
                }
                for (const auto& t : s.at("not_reporting").as_array()) {
                    silent.add({name, str(t.at("terminal")), str(t.at("days")), str(t.at("of_days"))});
                    long_form.add({name, "days not reporting", str(t.at("terminal")), str(t.at("days")), str(t.at("of_days"))});
                }
            }
            if (format == "table") {
                const std::string judged = str(v.at("judged_through"));
                std::cout << "月次点検 monthly report " << str(v.at("month")) << " (" << str(v.at("time_zone"))
                          << "); reporting judged " << (judged.empty() ? "on no day yet" : "through " + judged) << "\n\n"
                          << "violations by control (制御別違反件数)\n";
                emit(by_control, v, format, "no terminals");
                std::cout << "\nterminals with most violations (違反の多い端末)\n";
                emit(top, v, format, "no violations this month (違反なし)");
                std::cout << "\ndays not reporting (未報告日数)\n";
                emit(silent, v, format, "every terminal reported every day (全端末報告あり)");
            } else {
                emit(long_form, v, format, "");
            }
            return 0;
        }
        if (is({"policy", "push"}) && words.size() == 3) {
            mamori::v1::Policy policy;
            if (int rc = policyCheck(words[2], &policy)) return rc;
            std::string raw = policy.SerializeAsString();
            std::string b64(boost::beast::detail::base64::encoded_size(raw.size()), '\0');
            b64.resize(boost::beast::detail::base64::encode(b64.data(), raw.data(), raw.size()));
            json::object body{{"policy_base64", b64}, {"group", group.empty() ? "all" : group}};
            auto v = ctl.call(http::verb::post, "/admin/v1/policies", json::serialize(body));
            std::cout << "policy '" << str(v.at("name")) << "' is version " << str(v.at("version"))
                      << " for group '" << str(v.at("group")) << "'; terminals take it at their next sync\n";
            return 0;
        }
        if (is({"policy", "status"}) && words.size() == 2) {
            auto v = ctl.call(http::verb::get, "/admin/v1/policy-status");
            const bool only_behind = vm.count("behind") != 0;
            json::array rows;
            ReportTable t({"terminal", "section", "applied", "latest", "policy", "state", "last seen"});
            for (const auto& r : v.as_array()) {
                const bool behind = r.at("behind").as_bool();
                if (only_behind && !behind) continue;
                rows.push_back(r);
                const std::string latest = str(r.at("latest_version"));
                t.add({str(r.at("terminal")), str(r.at("group")), str(r.at("applied_version")),
                       latest == "0" ? "-" : latest,
                       str(r.at("policy_name")) + (str(r.at("policy_group")).empty() ? "" : " (" + str(r.at("policy_group")) + ")"),
                       behind ? "behind (未適用)" : "current", when(r.at("last_seen_unix").to_number<int64_t>())});
            }
            emit(t, rows, format, only_behind ? "every terminal runs the latest policy of its group" : "no terminals are enrolled yet");
            return 0;
        }
        if (is({"terminal", "set-group"}) && words.size() == 4) {
            json::object body{{"terminal", words[2]}, {"group", words[3]}};
            auto v = ctl.call(http::verb::post, "/admin/v1/terminals/group", json::serialize(body));
            std::cout << "terminal " << str(v.at("terminal")) << " moved from group '" << str(v.at("previous_group"))
                      << "' to '" << str(v.at("group")) << "'; it takes that group's policy at its next sync";
            if (v.as_object().contains("reissued_version"))
                std::cout << " (re-issued as version " << str(v.at("reissued_version")) << ")";
            std::cout << "\n";
            return 0;
        }
        if (is({"exception", "grant"}) && words.size() == 2) {
            json::object body{{"control", control}, {"until", until}, {"reason", reason},
                              {"requested_by", requested_by}, {"approved_by", approved_by}};
            if (!terminal.empty()) body["terminal"] = terminal;
            if (!group.empty()) body["group"] = group;
            if (!device.empty()) body["device"] = device;
            if (!software.empty()) body["software"] = software;
            if (vm.count("hours-extension")) body["hours_extension"] = true;
            auto v = ctl.call(http::verb::post, "/admin/v1/exceptions", json::serialize(body));
            std::cout << "exception " << str(v.at("id")) << " granted until " << str(v.at("until")) << " for "
                      << (str(v.at("terminal")).empty() ? "group '" + str(v.at("group")) + "'"
                                                        : "terminal " + str(v.at("terminal")))
                      << " (policy version " << str(v.at("version")) << "); terminals take it at their next sync\n";
            return 0;
        }
        if (is({"exception", "list"}) && words.size() == 2) {
            std::string q;
            if (!expiring.empty()) {
                if (expiring.back() != 'd' || expiring.size() < 2 ||
                    expiring.find_first_not_of("0123456789") != expiring.size() - 1)
                    throw std::invalid_argument("--expiring takes a number of days, e.g. 7d");
                q = "?expiring_days=" + expiring.substr(0, expiring.size() - 1);
            }
            auto v = ctl.call(http::verb::get, "/admin/v1/exceptions" + q);
            ReportTable t({"id", "scope", "control", "detail", "until", "reason", "requested by", "approved by"});
            for (const auto& r : v.as_array())
                t.add({str(r.at("id")),
                       str(r.at("terminal")).empty() ? "group " + str(r.at("group")) : str(r.at("terminal")),
                       str(r.at("control")), str(r.at("detail")), str(r.at("until")), str(r.at("reason")),
                       str(r.at("requested_by")), str(r.at("approved_by"))});
            emit(t, v, format, expiring.empty() ? "no exceptions in force" : "no exceptions end within " + expiring);
            return 0;
        }
        if (is({"access-log"}) && words.size() == 1) {
            auto v = ctl.call(http::verb::get, "/admin/v1/access-log?limit=" + std::to_string(limit) + sinceParam());
            ReportTable t({"time", "user", "role", "terminal", "action"});
            for (const auto& a : v.as_array())
                t.add({when(a.at("at_unix").to_number<int64_t>()), str(a.at("user")), str(a.at("role")),
                       str(a.at("terminal")), str(a.at("action"))});
            emit(t, v, format, "nobody has read any terminal's events yet");
            return 0;
        }
        if (is({"user", "add"}) && words.size() == 3) {
            json::array secs;
            for (const auto& s : sections) secs.emplace_back(s);
            json::object body{{"name", words[2]}, {"role", role}, {"sections", secs}};
            auto v = ctl.call(http::verb::post, "/admin/v1/users", json::serialize(body));
            std::cout << str(v.at("token")) << "\n";
            std::cerr << "user '" << str(v.at("name")) << "' (" << str(v.at("role"))
                      << ") added; give them this token: it is not stored and cannot be shown again\n";
            return 0;
        }
        std::cerr << "mamorictl: unknown command '";
        for (size_t i = 0; i < words.size(); ++i) std::cerr << (i ? " " : "") << words[i];
        std::cerr << "' (try --help)\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "mamorictl: " << e.what() << "\n";
        return 1;
    }
}
