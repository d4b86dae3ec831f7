#include "collector/ctl/PolicyCommands.h"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>
#include <iostream>

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
                                 "  mamorictl policy push default.yaml            # every group without its own",
                                 [this] { return this->push(); });
    cli.required(push->add_option("FILE", file_, "the profile, YAML"), "the profile file",
                 "プロファイルのファイルが指定されていません");
    push->add_option("--group", group_, "the section or tier it applies to (default: all)")->type_name("G");

    CLI::App* status = cli.command(*policy, "status", "which terminals run which policy version",
                                   "  mamorictl policy status --behind", [this] { return this->status(); });
    status->add_flag("--behind", behind_, "only terminals behind the latest policy of their group");
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
    const std::string raw = policy.SerializeAsString();
    std::string b64(boost::beast::detail::base64::encoded_size(raw.size()), '\0');
    b64.resize(boost::beast::detail::base64::encode(b64.data(), raw.data(), raw.size()));
    json::object body{{"policy_base64", b64}, {"group", group_}};
    auto v = ctx_.connection().call(Verb::post, "/admin/v1/policies", json::serialize(body));
    std::cout << "policy '" << CtlContext::text(v.at("name")) << "' is version " << CtlContext::text(v.at("version"))
              << " for group '" << CtlContext::text(v.at("group")) << "'; terminals take it at their next sync\n";
    return 0;
}

int PolicyCommands::status() {
    using C = CtlContext;
    auto v = ctx_.connection().call(Verb::get, "/admin/v1/policy-status");
    json::array rows;
    ReportTable t({"terminal", "section", "applied", "latest", "policy", "state", "last seen"});
    for (const auto& r : v.as_array()) {
        const bool behind = r.at("behind").as_bool();
        if (behind_ && !behind) continue;
        rows.push_back(r);
        const std::string latest = C::text(r.at("latest_version"));
        const std::string policy_group = C::text(r.at("policy_group"));
        t.add({C::text(r.at("terminal")), C::text(r.at("group")), C::text(r.at("applied_version")),
               latest == "0" ? "-" : latest,
               C::text(r.at("policy_name")) + (policy_group.empty() ? "" : " (" + policy_group + ")"),
               behind ? "behind (未適用)" : "current", C::localTime(r.at("last_seen_unix").to_number<int64_t>())});
    }
    ctx_.emit(t, rows, behind_ ? "every terminal runs the latest policy of its group" : "no terminals are enrolled yet");
    return 0;
}

}  // namespace mamori::collector
