#include "collector/ctl/EvidenceCommands.h"

#include <boost/json.hpp>
#include <iostream>

#include "collector/DailyCompliance.h"
#include "collector/StatusWords.h"
#include "collector/EvidenceVerifier.h"
#include "mamori/common/Files.h"
#include "mamori/v1/evidence.pb.h"

namespace mamori::collector {

namespace json = boost::json;
using Verb = boost::beast::http::verb;

EvidenceCommands::EvidenceCommands(common::CommandLine& cli, CtlContext& ctx) : ctx_(ctx) {
    CLI::App* violations =
        cli.command(cli.app(), "violations", "which terminals violated which control on a day (違反端末)",
                    "  mamorictl violations --today\n"
                    "  mamorictl violations --date 2026-11-02 --section 市民課 --control usb\n"
                    "  mamorictl violations --format csv > violations.csv",
                    [this] { return this->violations(); });
    auto* today = violations->add_flag("--today", today_, "today in the municipality's time zone (the default)");
    violations->add_flag("--all", all_,
                         "also list the terminals switched off cleanly or outside their office hours (a table "
                         "otherwise only counts them; csv and json always list them)");
    violations->add_option("--date", date_, "a local date instead of today")
        ->type_name("YYYY-MM-DD")
        ->check(CtlContext::dateFormat())
        ->excludes(today);
    violations->add_option("--section", section_, "only this section (所属); an unknown one is refused")->type_name("S");
    violations->add_option("--control", control_,
                           "only this control: " + DailyCompliance::controlNames())
        ->type_name("C");
    ctx.addFormat(*violations);

    CLI::App* events = cli.command(cli.app(), "events", "a terminal's evidence, oldest first (every read is logged)",
                                   "  mamorictl events --terminal pc-0123 --since 2026-11-01\n"
                                   "  mamorictl events --terminal pc-0123 --limit 50 --format json\n"
                                   "  mamorictl events --terminal pc-0123 --user yamada   # a right the CISO grants",
                                   [this] { return this->events(); });
    cli.required(events->add_option("--terminal", terminal_, "the terminal's id")->type_name("T"), "the terminal",
                 "端末ID（--terminal）が指定されていません");
    events->add_option("--since", since_, "events from this date on, in the collector's time zone")
        ->type_name("YYYY-MM-DD")
        ->check(CtlContext::dateFormat());
    events->add_option("--user", user_,
                       "only the events naming this person (logons, lock-outs): needs the person_events right, "
                       "which the CISO grants (004:1070)")
        ->type_name("USER");
    events->add_option("--limit", limit_, "at most N events, 1 to 10000 (default 1000)")
        ->type_name("N")
        ->check(CLI::Range(1, 10000));
    ctx.addFormat(*events);

    CLI::App* exporting =
        cli.command(cli.app(), "export",
                    "a terminal's signed events of those local dates, its certificate and the CA's, as one file "
                    "(a mamori.v1.EvidenceBundle) for audits; logged as a read",
                    "  mamorictl export --terminal pc-0123 --from 2026-04-01 --to 2027-03-31 pc-0123.bundle\n"
                    "  mamorictl verify pc-0123.bundle --ca ca.pem",
                    [this] { return exportBundle(); });
    cli.required(exporting->add_option("--terminal", terminal_, "the terminal's id")->type_name("T"), "the terminal",
                 "端末ID（--terminal）が指定されていません");
    cli.required(exporting->add_option("--from", from_, "the first local date")
                     ->type_name("YYYY-MM-DD")
                     ->check(CtlContext::dateFormat()),
                 "the first date", "開始日（--from）が指定されていません");
    cli.required(exporting->add_option("--to", to_, "the last local date")
                     ->type_name("YYYY-MM-DD")
                     ->check(CtlContext::dateFormat()),
                 "the last date", "終了日（--to）が指定されていません");
    cli.required(exporting->add_option("OUT", out_, "the file to write (mode 0600)"), "the file to write",
                 "出力ファイルが指定されていません");

    CLI::App* verify =
        cli.command(cli.app(), "verify",
                    "check an exported bundle offline: the certificate chains to the CA, every hash links, every "
                    "signature verifies; exit 1 if not (needs no collector)",
                    "  mamorictl verify pc-0123.bundle --ca /var/lib/mamori-collector/ca.pem",
                    [this] { return this->verify(); });
    cli.required(verify->add_option("FILE", file_, "the bundle mamorictl export wrote"), "the bundle file",
                 "検証するファイルが指定されていません");
    verify->add_option("--ca", ca_file_,
                       "the CA certificate you trust (ca.pem); without it the bundle's own CA is used and its "
                       "fingerprint printed for you to compare")
        ->type_name("CA.pem");

    CLI::App* access = cli.command(cli.app(), "access-log", "who read which terminal's events, newest first",
                                   "  mamorictl access-log --since 2026-11-01 --format csv",
                                   [this] { return accessLog(); });
    access->add_option("--since", since_, "reads from this date on, in the collector's time zone")
        ->type_name("YYYY-MM-DD")
        ->check(CtlContext::dateFormat());
    access->add_option("--limit", limit_, "at most N rows, 1 to 100000 (default 1000)")
        ->type_name("N")
        ->check(CLI::Range(1, 100000));
    ctx.addFormat(*access);
}

std::string EvidenceCommands::sinceParam() const {
    // The date as typed: the collector knows where it starts in its zone.
    return since_.empty() ? "" : "&since=" + CtlConnection::encode(since_);
}

int EvidenceCommands::violations() {
    std::string q = "?date=" + CtlConnection::encode(date_.empty() ? "today" : date_);
    if (!section_.empty()) q += "&section=" + CtlConnection::encode(section_);
    if (!control_.empty()) q += "&control=" + CtlConnection::encode(control_);
    auto v = ctx_.connection().call(Verb::get, "/admin/v1/violations" + q);
    using C = CtlContext;
    const std::string zone = C::text(v.at("time_zone"));
    ReportTable t = ctx_.table({{"section", "所属"},
                                {"terminal", "端末"},
                                {"control", "制御"},
                                {"status", "状態"},
                                {"violations", "違反件数"},
                                {"exempted", "例外件数"},
                                CtlLanguage::zoned({"last seen", "最終受信"}, zone),
                                {"clock skew ms", "時刻のずれ(ms)"},
                                {"reason", "理由"}});
    const std::string never = ctx_.say({"never", "未受信"});
    size_t off = 0;
    for (const auto& r : v.at("rows").as_array()) {
        const std::string control = C::text(r.at("control")), status = C::text(r.at("status"));
        // Switched off as expected is no finding: counted on a screen, listed with --all and in files.
        if ((status == "off" || status == "off-hours") && ctx_.format() == "table" && !all_) {
            ++off;
            continue;
        }
        const std::string shown = StatusWords::describe(status, C::text(r.at("since")), C::text(v.at("date")),
                                                        ctx_.language().japanese());
        t.add({C::text(r.at("section")), C::text(r.at("terminal")), control, shown, C::text(r.at("violations")),
               C::text(r.at("exempted")), C::time(r.at("last_seen"), never),
               // The skew explains a clock row; on the others it would only be noise.
               control == "clock" ? C::text(r.at("clock_skew_ms")) : "", C::text(r.at("reason"))});
    }
    if (ctx_.format() == "table")
        std::cout << ctx_.say({"violations on ", "違反端末 "}) << C::text(v.at("date")) << " (" << zone << ")\n";
    ctx_.emit(t, v, {"no violations: every reporting terminal complied (違反なし)", "違反なし: 報告中の全端末が遵守しています"});
    if (off)
        std::cout << ctx_.say({"and " + std::to_string(off) + " terminal(s) switched off or outside office hours (--all lists them)",
                               "ほかに電源断・時間外の端末 " + std::to_string(off) + " 台（--all で一覧）"})
                  << "\n";
    return 0;
}

int EvidenceCommands::events() {
    const std::string q =
        "?terminal=" + CtlConnection::encode(terminal_) + "&limit=" + std::to_string(limit_) + sinceParam() +
        (user_.empty() ? "" : "&user=" + CtlConnection::encode(user_));
    auto v = ctx_.connection().call(Verb::get, "/admin/v1/events" + q);
    using C = CtlContext;
    ReportTable t = ctx_.table({{"seq", "連番"},
                                CtlLanguage::zoned({"time", "時刻"}, C::text(v.at("time_zone"))),
                                {"filed under", "記録日"},
                                {"type", "種類"},
                                {"control", "制御"},
                                {"violation", "違反"},
                                {"rule", "規則"},
                                {"hash", "ハッシュ"}});
    for (const auto& e : v.at("rows").as_array()) {
        const auto& b = e.at("body").as_object();
        auto get = [&](const char* k) { return b.contains(k) ? C::text(b.at(k)) : std::string(); };
        // The terminal's claimed time, marked when the collector did not believe it.
        std::string time = C::time(e.at("time"));
        if (!e.at("time_plausible").as_bool()) time += ctx_.say({" (impossible)", "（ありえない時刻）"});
        std::string filed = C::text(e.at("local_date"));
        if (C::text(e.at("filed_by")) == "arrival") filed += ctx_.say({" (by arrival)", "（受信時刻による）"});
        t.add({C::text(e.at("seq")), time, filed, get("type"), get("control"),
               b.contains("violation") ? ctx_.yesNo(true) : "", get("rule_id"), C::text(e.at("hash")).substr(0, 16)});
    }
    ctx_.emit(t, v, {"no events", "イベントはありません"});
    return 0;
}

int EvidenceCommands::exportBundle() {
    const std::string raw = ctx_.connection().fetch(Verb::get, "/admin/v1/export?terminal=" +
                                                                   CtlConnection::encode(terminal_) + "&from=" +
                                                                   CtlConnection::encode(from_) + "&to=" +
                                                                   CtlConnection::encode(to_));
    mamori::v1::EvidenceBundle bundle;
    if (!bundle.ParseFromString(raw)) throw std::runtime_error("the collector's answer is not an evidence bundle");
    // Personal usage records (004:1070): readable by the one who exported them only.
    common::Files::writeAtomic(out_, raw, 0600);
    std::cout << "wrote " << out_ << ": " << bundle.events_size() << " events of terminal " << bundle.terminal_id()
              << " dated " << from_ << " to " << to_ << "; check it with: mamorictl verify " << out_ << " --ca CA.pem\n";
    return 0;
}

int EvidenceCommands::verify() {
    const auto verdict = EvidenceVerifier::verify(EvidenceVerifier::read(file_),
                                                  ca_file_.empty() ? "" : common::Files::read(ca_file_));
    if (!verdict.ok) {
        std::cout << file_ << ": verification FAILED"
                  << (verdict.bad_seq ? " at seq " + std::to_string(*verdict.bad_seq) : std::string()) << ": "
                  << verdict.reason << "\n  検証失敗: " << verdict.reason_ja << "\n";
        return 1;
    }
    std::cout << file_ << ": verified " << verdict.summary << "\n  検証成功: 全イベントのハッシュ連鎖と署名を確認しました\n";
    if (ca_file_.empty())
        std::cout << "  the CA is the bundle's own: compare " << verdict.ca_fingerprint
                  << " with the collector's, or give --ca\n";
    return 0;
}

int EvidenceCommands::accessLog() {
    auto v = ctx_.connection().call(Verb::get, "/admin/v1/access-log?limit=" + std::to_string(limit_) + sinceParam());
    using C = CtlContext;
    ReportTable t = ctx_.table({CtlLanguage::zoned({"time", "時刻"}, C::text(v.at("time_zone"))),
                                {"user", "利用者"},
                                {"role", "役割"},
                                {"terminal", "端末"},
                                {"action", "操作"}});
    for (const auto& a : v.at("rows").as_array())
        t.add({C::time(a.at("at")), C::text(a.at("user")), C::text(a.at("role")), C::text(a.at("terminal")),
               C::text(a.at("action"))});
    ctx_.emit(t, v, {"nobody has read any terminal's events yet", "端末のイベントを閲覧した記録はまだありません"});
    return 0;
}

}  // namespace mamori::collector
