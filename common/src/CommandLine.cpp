#include "mamori/common/CommandLine.h"

#include <iostream>

#include "mamori/common/UserError.h"

namespace mamori::common {

namespace {

// The command the words chose: the deepest one parsed.
const CLI::App* chosen(const CLI::App& app) {
    const CLI::App* at = &app;
    for (auto subs = at->get_subcommands(); !subs.empty(); subs = at->get_subcommands()) at = subs.front();
    return at;
}

}  // namespace

const char* const CommandLine::kExitCodes =
    "Exit status: 0 success, 1 failure (the reason on stderr, in English and Japanese), 2 usage error.\n"
    "終了コード: 0 成功、1 失敗（理由を標準エラーに英語と日本語で表示）、2 使い方の誤り。\n";

const char* const CommandLine::kBusyExitCode =
    "Exit status 3: busy, another process holds what this command needs (the message names it).\n"
    "終了コード 3: 使用中（必要なものを別のプロセスが使用しています。メッセージにそのプロセスを表示）。\n";

CommandLine::CommandLine(std::string program, std::string description)
    : program_(std::move(program)), app_(std::make_unique<CLI::App>(std::move(description), program_)) {
    // Options of the program itself (--config) may come after the command's words too.
    app_->fallthrough();
    app_->require_subcommand(1);
    app_->set_help_flag("-h,--help", "show this help and exit");
    app_->footer(kExitCodes);
}

CLI::App* CommandLine::command(CLI::App& parent, const std::string& name, const std::string& description,
                               const std::string& examples, Action action) {
    CLI::App* sub = parent.add_subcommand(name, description);
    sub->footer((examples.empty() ? std::string() : "Examples:\n" + examples + "\n\n") + kExitCodes);
    actions_[sub] = std::move(action);
    return sub;
}

CLI::App* CommandLine::group(CLI::App& parent, const std::string& name, const std::string& description) {
    CLI::App* sub = parent.add_subcommand(name, description);
    sub->require_subcommand(1);
    sub->footer(kExitCodes);
    return sub;
}

CLI::Option* CommandLine::required(CLI::Option* option, const std::string& english, const std::string& japanese) {
    option->required();
    missing_[option] = {english, japanese};
    return option;
}

std::string CommandLine::pathOf(const CLI::App& app) const {
    std::string path;
    for (const CLI::App* at = &app; at && at->get_parent(); at = at->get_parent())
        path = at->get_name() + (path.empty() ? "" : " " + path);
    return path;
}

std::string CommandLine::helpOf(const CLI::App& app) const {
    if (!app.get_parent()) return app.help();
    const std::string parents = pathOf(*app.get_parent());
    return app.help(program_ + (parents.empty() ? "" : " " + parents));
}

int CommandLine::usageError(const CLI::App& at, const std::string& message) const {
    const std::string path = pathOf(at);
    std::cerr << program_ << (path.empty() ? "" : " " + path) << ": " << message << "\n(see: " << program_
              << (path.empty() ? "" : " " + path) << " --help)\n";
    return kUsage;
}

int CommandLine::run(int argc, char** argv) {
    try {
        app_->parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app_->exit(e) == 0 ? kSuccess : kUsage;  // --help, --version
    } catch (const CLI::RequiredError& e) {
        const CLI::App& at = *chosen(*app_);
        // A word that groups commands, given alone: what it offers.
        if (at.get_require_subcommand_min() > 0 && at.get_subcommands().empty()) {
            const auto rest = app_->remaining(true);
            if (!rest.empty()) std::cerr << program_ << ": unknown command '" << pathOf(at) << (pathOf(at).empty() ? "" : " ") << rest.front() << "'\n\n";
            std::cerr << helpOf(at);
            return kUsage;
        }
        for (const CLI::Option* o : at.get_options()) {
            const auto m = missing_.find(o);
            if (m == missing_.end() || o->count() > 0) continue;
            const std::string path = pathOf(at);
            std::cerr << program_ << " " << path << ": missing " << m->second.english << " ("
                      << o->get_name() << ") / " << m->second.japanese << "\n(see: " << program_ << " "
                      << path << " --help)\n";
            return kUsage;
        }
        return usageError(at, e.what());
    } catch (const CLI::ExtrasError& e) {
        const CLI::App& at = *chosen(*app_);
        return usageError(at, (&at == app_.get() ? "unknown command; " : "") + std::string(e.what()));
    } catch (const CLI::ParseError& e) {
        return usageError(*chosen(*app_), e.what());
    }
    const CLI::App* at = chosen(*app_);
    const auto action = actions_.find(at);
    if (action == actions_.end()) {
        std::cerr << helpOf(*at);
        return kUsage;
    }
    try {
        return action->second();
    } catch (const CLI::ParseError& e) {
        // A combination of options only the command itself can judge.
        return usageError(*at, e.what());
    } catch (const UserError& e) {
        std::cerr << program_ << ": " << e.english() << "\n";
        if (!e.japanese().empty()) std::cerr << "  " << e.japanese() << "\n";
        return e.kind() == UserError::Kind::Busy ? kBusy : kFailure;
    } catch (const std::exception& e) {
        std::cerr << program_ << ": " << e.what() << "\n";
        return kFailure;
    }
}

}  // namespace mamori::common
