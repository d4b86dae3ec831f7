// mamorictl: the administrators' command line for a mamori collector.
#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "collector/ReportTable.h"
#include "mamori/policy/PolicyLoader.h"
#include "mamori/policy/PolicySummary.h"
#include "mamori/proto/ConfigFile.h"
#include "mamori/proto/Files.h"
#include "mamori/proto/HttpsClient.h"

namespace po = boost::program_options;
namespace json = boost::json;
namespace http = boost::beast::http;
using mamori::collector::ReportTable;

namespace {

const char* kUsage = R"(usage: mamorictl [--config FILE] COMMAND [options]

commands:
  token create [--group G] [--valid-hours N]     a one-time enrollment token for a terminal
  terminals [--format F]                         enrolled terminals and whether they report
  violations [--today | --date YYYY-MM-DD] [--section S] [--control C] [--format F]
                                                 which terminals violated which control that day
  events --terminal T [--since YYYY-MM-DD] [--limit N] [--format F]
                                                 a terminal's evidence (every read is logged)
  policy check FILE                              validate a profile and say what it enforces
  policy push FILE [--group G]                   validate, version, sign and assign a profile
  policy status [--behind] [--format F]          which terminals run which policy version
  terminal set-group TERMINAL GROUP              move a terminal to another section or tier
  exception grant (--terminal T | --group G) --control usb|software|hours
      (--device VID:PID:SERIAL | --software SHA256 | --hours-extension)
      --until YYYY-MM-DD --reason TEXT --requested-by NAME --approved-by NAME
                                                 an approved exception (例外措置); agents get it
                                                 at their next sync and drop it at expiry
  exception list [--expiring 7d] [--format F]    exceptions in force (or ending within N days)
  access-log [--since YYYY-MM-DD] [--limit N] [--format F]
                                                 who read which terminal's events, newest first
  user add NAME --role admin|officer|ciso|auditor [--section S ...]
                                                 a person with their own token (printed once);
                                                 officers see only their sections

F is table (default), csv (UTF-8 with BOM, for Excel) or json.
The collector and your token come from --config, $MAMORI_CTL_CONFIG,
~/.config/mamori/mamorictl.conf, /etc/mamori/mamorictl.conf or, on the collector's own
machine, /var/lib/mamori-collector/mamorictl.conf (url, ca, token_file).
)";

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
        auto cfg = mamori::proto::ConfigFile::load(path, {"url", "ca", "token_file"});
        Ctl c;
        c.url = cfg.get("url", "https://127.0.0.1:8444");
        c.ca_pem = mamori::proto::Files::read(cfg.get("ca", "/etc/mamori/ca.pem"));
        c.token = mamori::proto::Files::read(cfg.get("token_file", "/etc/mamori/admin.token"));
        while (!c.token.empty() && (c.token.back() == '\n' || c.token.back() == '\r')) c.token.pop_back();
        return c;
    }

    json::value call(http::verb method, const std::string& target, const std::string& body = {}) const {
        auto tls = mamori::proto::HttpsClient::context(ca_pem);
        auto res = mamori::proto::HttpsClient::fetch(*tls, url, method, target, body, "application/json",
                                                     {{"Authorization", "Bearer " + token}},
                                                     std::chrono::seconds(60));
        boost::system::error_code ec;
        json::value v = json::parse(res.body, ec);
        if (res.status >= 300) {
            std::string msg = !ec && v.is_object() && v.as_object().contains("error")
                                  ? json::value_to<std::string>(v.at("error")) +
                                        (v.as_object().contains("error_ja")
                                             ? "\n  " + json::value_to<std::string>(v.at("error_ja"))
                                             : "")
                                  : res.body;
            throw std::runtime_error("the collector answered HTTP " + std::to_string(res.status) + ": " + msg);
        }
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

}  // namespace

int main(int argc, char** argv) {
    po::options_description opts("options");
    std::string config, group, date, section, control, format = "table", terminal, since;
    std::string device, software, until, reason, requested_by, approved_by, expiring, role;
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
        ("since", po::value(&since), "events from this local date")("limit", po::value(&limit), "at most N events");
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
        std::cout << kUsage << "\n" << opts;
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
                      << "' to '" << str(v.at("group")) << "'; it takes that group's policy at its next sync\n";
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
