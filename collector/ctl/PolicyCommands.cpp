#include "collector/ctl/PolicyCommands.h"

#include <boost/json.hpp>
#include <iostream>

#include "collector/PolicyUpload.h"
#include "mamori/policy/PolicyLoader.h"
#include "mamori/policy/PolicySummary.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::collector {

namespace json = boost::json;
using Verb = boost::beast::http::verb;

PolicyCommands::PolicyCommands(common::CommandLine& cli, CtlContext& ctx) : ctx_(ctx) {
    CLI::App* policy = cli.group(cli.app(), "policy", "policy profiles: check, push, status");
    CLI::App* check = cli.command(*policy, "check",
                                  "validate a profile and say what it enforces (needs no collector; changes nothing)",
                                  "  mamorictl policy check /usr/share/mamori/profiles/mynumber.yaml",
                                  [this] { return this->check(); });
    cli.required(check->add_option("FILE", file_, "the profile, YAML"), "the profile file",
                 "プロファイルのファイルが指定されていません");

    CLI::App* push = cli.command(*policy, "push",
                                 "validate, version, sign and assign a profile; terminals take it at their next sync",
                                 "  mamorictl policy push mynumber.yaml --group 市民課\n"
                                 "  mamorictl policy push default.yaml            # every group without its own\n"
                                 "  mamorictl policy push mynumber.yaml --group 新設課 --create-section",
                                 [this] { return this->push(); });
    cli.required(push->add_option("FILE", file_, "the profile, YAML"), "the profile file",
                 "プロファイルのファイルが指定されていません");
    push->add_option("--group", group_,
                     "the section or tier it applies to (default: all). It must be known: some terminal, "
                     "enrollment token, section manager or earlier policy names it")
        ->type_name("G");
    push->add_flag("--create-section", create_section_,
                   "begin a new section with this policy, before any terminal or token names it");

    CLI::App* status = cli.command(*policy, "status", "which terminals run which policy version",
                                   "  mamorictl policy status --behind", [this] { return this->status(); });
    status->add_flag("--behind", behind_, "only terminals behind the latest policy of their group");
    status->add_option("--section", section_, "only this section (所属); an unknown one is refused")->type_name("S");
    ctx.addFormat(*status);
}

bool PolicyCommands::load(mamori::v1::Policy& out) {
    auto result = mamori::policy::PolicyLoader::loadFile(file_);
    if (!result) {
        std::cerr << result.formatErrors();
        std::cerr << file_ << ": rejected (" << result.errors().size() << " problem(s)); nothing was changed\n";
        return false;
    }
    out = result.policy();
    return true;
}

int PolicyCommands::check() {
    mamori::v1::Policy policy;
    if (!load(policy)) return common::CommandLine::kFailure;
    std::cout << file_ << ": valid\n" << mamori::policy::PolicySummary::describe(policy);
    return 0;
}

int PolicyCommands::push() {
    mamori::v1::Policy policy;
    if (!load(policy)) return common::CommandLine::kFailure;
    json::object body{{"policy_base64", PolicyUpload::encode(policy)}, {"group", group_}};
    if (create_section_) body["create_section"] = true;
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/policies", json::serialize(body));
    std::cout << "policy '" << CtlContext::text(v.at("name")) << "' is version " << CtlContext::text(v.at("version"))
              << " for group '" << CtlContext::text(v.at("group")) << "'; terminals take it at their next sync\n";
    return 0;
}

int PolicyCommands::status() {
    using C = CtlContext;
    const std::string q = section_.empty() ? "" : "?section=" + CtlConnection::encode(section_);
    auto v = ctx_.connection().call(Verb::get, "/admin/v1/policy-status" + q);
    json::array rows;
    ReportTable t = ctx_.table({{"terminal", "端末"},
                                {"section", "所属"},
                                {"applied", "適用版"},
                                {"latest", "最新版"},
                                {"policy", "ポリシー"},
                                {"state", "状態"},
                                CtlLanguage::zoned({"last seen", "最終受信"}, C::text(v.at("time_zone")))});
    const std::string never = ctx_.say({"never", "未受信"});
    for (const auto& r : v.at("rows").as_array()) {
        const bool behind = r.at("behind").as_bool();
        if (behind_ && !behind) continue;
        rows.push_back(r);
        const std::string latest = C::text(r.at("latest_version"));
        const std::string policy_group = C::text(r.at("policy_group"));
        t.add({C::text(r.at("terminal")), C::text(r.at("group")), C::text(r.at("applied_version")),
               latest == "0" ? "-" : latest,
               C::text(r.at("policy_name")) + (policy_group.empty() ? "" : " (" + policy_group + ")"),
               behind ? ctx_.say({"behind (未適用)", "未適用"}) : ctx_.say({"current", "最新"}),
               C::time(r.at("last_seen"), never)});
    }
    // JSON: the collector's answer with only the rows shown.
    json::object answer = v.as_object();
    answer["rows"] = std::move(rows);
    ctx_.emit(t, answer,
              behind_ ? CtlLanguage::Words{"every terminal runs the latest policy of its group",
                                           "全端末が所属の最新ポリシーを適用しています"}
                      : CtlLanguage::Words{"no terminals are enrolled yet", "登録済みの端末はありません"});
    return 0;
}

}  // namespace mamori::collector
