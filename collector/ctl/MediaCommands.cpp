#include "collector/ctl/MediaCommands.h"

#include <boost/json.hpp>
#include <iostream>

#include "collector/MediaLedgerTable.h"

namespace mamori::collector {

namespace json = boost::json;
using Verb = boost::beast::http::verb;

MediaCommands::MediaCommands(common::CommandLine& cli, CtlContext& ctx) : ctx_(ctx) {
    CLI::App* media = cli.group(cli.app(), "media",
                                "the media ledger (媒体管理台帳): register, approve (another account), retire, "
                                "withdraw, list, export, history");
    CLI::App* reg = cli.command(
        *media, "register",
        "ask to register a USB stick in the ledger, typed or taken from the event of the stick a terminal refused; "
        "the terminals of its section (or those given) accept it once another account approves it",
        "  mamorictl events --terminal pc-0123            # the refused stick: USB_BLOCKED, seq 42\n"
        "  mamorictl media register --from-event pc-0123:42 --purpose 選挙事務のデータ受け渡し \\\n"
        "      --encrypted yes --until 2027-03-31\n"
        "  mamorictl media register --device 0781:5581:4C530001 --section 税務課 --purpose 国税連携 \\\n"
        "      --encrypted yes --access read-write --until 2026-12-20 --terminal pc-0123 --terminal pc-0124",
        [this] { return this->registerMedium(); });
    auto* device = reg->add_option("--device", device_, "the stick, VID:PID[:SERIAL] as lsusb and lsusb -v show it")
                       ->type_name("VID:PID[:SERIAL]");
    reg->add_option("--from-event", from_event_,
                    "or the event of the refused stick, TERMINAL:SEQ as mamorictl events shows it (its section is "
                    "the default owner)")
        ->type_name("TERMINAL:SEQ")
        ->excludes(device);
    reg->add_option("--section", section_, "the section (所属) that keeps the stick")->type_name("S");
    cli.required(reg->add_option("--purpose", purpose_, "what it is used for (用途)")->type_name("TEXT"), "the purpose",
                 "用途（--purpose）が指定されていません");
    reg->add_option("--access", access_, "read-only (the default) or read-write")
        ->type_name("A")
        ->check(CLI::IsMember({"read-only", "read-write"}));
    cli.required(reg->add_option("--encrypted", encrypted_, "whether the stick is encrypted: yes or no")
                     ->type_name("yes|no")
                     ->check(CLI::IsMember({"yes", "no"})),
                 "whether it is encrypted", "暗号化の有無（--encrypted yes|no）が指定されていません");
    cli.required(reg->add_option("--until", until_, "the last local date it may be used (the expiry)")
                     ->type_name("YYYY-MM-DD")
                     ->check(CtlContext::dateFormat()),
                 "the expiry", "有効期限（--until）が指定されていません");
    reg->add_option("--terminal", terminals_, "only on this terminal (repeatable; default: every terminal of the section)")
        ->type_name("T");
    reg->add_option("--description", description_, "maker and model (default: as the event's stick reports them)")
        ->type_name("TEXT");

    CLI::App* approve = cli.command(*media, "approve",
                                    "approve a requested registration or retirement (the CISO, or an account granted "
                                    "'approve'; never the one who asked); terminals take it at their next sync",
                                    "  mamorictl media approve M-2026-0001 --note 課長決裁済",
                                    [this] { return this->approve(); });
    cli.required(approve->add_option("ID", id_, "the ledger number"), "the ledger number", "台帳番号が指定されていません");
    approve->add_option("--note", note_, "kept with the approval")->type_name("TEXT");

    CLI::App* retire = cli.command(
        *media, "retire",
        "record that a registered stick was erased or destroyed (廃棄記録); terminals stop accepting it at their next "
        "sync, and another account approves the record",
        "  mamorictl media retire M-2026-0001 --erased-by 山田 --method overwrite --reason 事務終了\n"
        "  mamorictl media retire M-2026-0002 --erased-by 情報政策課 --method physical-destruction --reason 故障",
        [this] { return this->retire(); });
    cli.required(retire->add_option("ID", id_, "the ledger number"), "the ledger number", "台帳番号が指定されていません");
    cli.required(retire->add_option("--erased-by", erased_by_, "who erased or destroyed it (for lost: who reported it)")
                     ->type_name("NAME"),
                 "who erased it", "消去・破壊の実施者（--erased-by）が指定されていません");
    cli.required(retire->add_option("--method", method_, "overwrite, physical-destruction, degauss, crypto-erase or lost")
                     ->type_name("M")
                     ->check(CLI::IsMember({"overwrite", "physical-destruction", "degauss", "crypto-erase", "lost"})),
                 "the method", "方法（--method）が指定されていません");
    cli.required(retire->add_option("--reason", reason_, "why; kept with the record")->type_name("TEXT"), "the reason",
                 "理由（--reason）が指定されていません");

    CLI::App* withdraw = cli.command(*media, "withdraw",
                                     "withdraw (or, as an approver, turn down) a registration not yet approved",
                                     "  mamorictl media withdraw M-2026-0003 --reason 申請誤り",
                                     [this] { return this->withdraw(); });
    cli.required(withdraw->add_option("ID", id_, "the ledger number"), "the ledger number", "台帳番号が指定されていません");
    cli.required(withdraw->add_option("--reason", reason_, "why; kept in the ledger")->type_name("TEXT"), "the reason",
                 "理由（--reason）が指定されていません");

    const auto filters = [&](CLI::App* c) {
        c->add_option("--state", state_, "only requested, active, expired, retiring, retired or withdrawn ones")
            ->type_name("S")
            ->check(CLI::IsMember({"requested", "active", "expired", "retiring", "retired", "withdrawn"}));
        c->add_option("--section", section_, "only those this section keeps")->type_name("S");
    };
    CLI::App* list = cli.command(*media, "list", "the ledger, one line per stick, as an auditor reads it",
                                 "  mamorictl media list\n  mamorictl media list --state requested\n"
                                 "  mamorictl media list --section 税務課 --state active",
                                 [this] { return this->ledger(); });
    filters(list);
    ctx.addFormat(*list);
    CLI::App* exported = cli.command(*media, "export",
                                     "the ledger for the file (台帳の保存・監査): CSV (UTF-8 with BOM, for Excel) unless "
                                     "--format says otherwise",
                                     "  mamorictl media export > 媒体管理台帳.csv\n"
                                     "  mamorictl media export --section 税務課 --format json",
                                     [this] { return this->ledger(); });
    filters(exported);
    ctx.addFormat(*exported, "csv");

    CLI::App* history = cli.command(*media, "history",
                                    "who registered, approved, retired and withdrew, when and why (one entry, or all)",
                                    "  mamorictl media history M-2026-0001\n"
                                    "  mamorictl media history --format csv > 媒体管理台帳_履歴.csv",
                                    [this] { return this->history(); });
    history->add_option("ID", id_, "the ledger number (default: all)");
    ctx.addFormat(*history);
}

void MediaCommands::say(const json::value& v, const CtlLanguage::Words& done) const {
    std::cout << ctx_.say({"media ", "媒体 "}) << CtlContext::text(v.at("id")) << " " << ctx_.say(done) << " ("
              << CtlContext::text(v.at("device")) << ", " << CtlContext::text(v.at("owner_section")) << ", "
              << CtlContext::text(v.at("access")) << ctx_.say({", until ", "、有効期限 "}) << CtlContext::text(v.at("until"))
              << ")\n";
}

int MediaCommands::registerMedium() {
    json::object body{{"purpose", purpose_}, {"access", access_}, {"encrypted", encrypted_}, {"until", until_}};
    if (!device_.empty()) body["device"] = device_;
    if (!from_event_.empty()) body["from_event"] = from_event_;
    if (!section_.empty()) body["section"] = section_;
    if (!description_.empty()) body["description"] = description_;
    if (!terminals_.empty()) {
        json::array terminals;
        for (const auto& t : terminals_) terminals.emplace_back(t);
        body["terminals"] = std::move(terminals);
    }
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/media", json::serialize(body));
    say(v, {"requested; it applies once another account approves it (mamorictl media approve ID)",
            "を申請しました。別の利用者が承認すると使用できます（mamorictl media approve ID）"});
    return 0;
}

int MediaCommands::approve() {
    json::object body{{"id", id_}};
    if (!note_.empty()) body["note"] = note_;
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/media/approve", json::serialize(body));
    say(v, CtlContext::text(v.at("state")) == "retired"
               ? CtlLanguage::Words{"retirement approved; the disposal record is final", "の廃棄を承認しました。廃棄記録が確定しました"}
               : CtlLanguage::Words{"approved; the terminals concerned accept it from their next sync",
                                    "を承認しました。対象の端末は次回の同期から使用を認めます"});
    return 0;
}

int MediaCommands::retire() {
    auto v = ctx_.connection().call(
        Verb::post, "/admin/v1/media/retire",
        json::serialize(json::object{{"id", id_}, {"erased_by", erased_by_}, {"method", method_}, {"reason", reason_}}));
    say(v, {"retirement recorded; terminals refuse it from their next sync, and another account approves the record",
            "の廃棄を記録しました。端末は次回の同期から使用を認めません。別の利用者が廃棄記録を承認してください"});
    return 0;
}

int MediaCommands::withdraw() {
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/media/withdraw",
                                    json::serialize(json::object{{"id", id_}, {"reason", reason_}}));
    say(v, {"withdrawn", "の申請を取り下げました"});
    return 0;
}

int MediaCommands::ledger() {
    auto v = ctx_.connection().call(Verb::get,
                                    "/admin/v1/media" + CtlConnection::query({{"state", state_}, {"section", section_}}));
    const ReportTable t = MediaLedgerTable::of(v.at("rows").as_array(), ctx_.language().answers());
    ctx_.emit(t, v,
              state_.empty() ? CtlLanguage::Words{"the media ledger is empty", "媒体管理台帳に登録はありません"}
                             : CtlLanguage::Words{"no media are " + state_, state_ + " の媒体はありません"});
    return 0;
}

int MediaCommands::history() {
    using C = CtlContext;
    auto v = ctx_.connection().call(Verb::get,
                                    "/admin/v1/media/history" + (id_.empty() ? "" : "?id=" + CtlConnection::encode(id_)));
    ReportTable t = ctx_.table({{"ledger no", "台帳番号"},
                                {"at", "日時"},
                                {"account", "利用者"},
                                {"role", "役割"},
                                {"action", "操作"},
                                {"note", "理由・備考"}});
    for (const auto& r : v.at("rows").as_array())
        t.add({C::text(r.at("id")), C::time(r.at("at")), C::text(r.at("actor")), C::text(r.at("role")),
               C::text(r.at("action")), C::text(r.at("note"))});
    ctx_.emit(t, v, {"no changes recorded", "記録はありません"});
    return 0;
}

}  // namespace mamori::collector
