#pragma once

#include "mamori/policy/PolicyError.h"
#include "mamori/v1/policy.pb.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::policy {

// Reads a policy profile written in YAML (installer/profiles/*.yaml shows the schema) into
// a complete, validated mamori::v1::Policy. A load either yields the whole policy or every
// problem found, never a policy with some settings missing, so the caller can keep applying
// its last good policy until the administrator fixes the file:
//
//     auto result = PolicyLoader::loadFile(path);
//     if (!result) { for (auto& e : result.errors()) log(e.format()); return; }
//     current = std::move(result).policy();
//
// Bad input never throws; settings that are left out get the defaults of default.yaml. A profile
// is UTF-8 (a BOM is allowed); one saved as Shift_JIS or UTF-16 is refused with the iconv command
// that converts it.
class PolicyLoader {
public:
    class Result {
    public:
        static Result success(mamori::v1::Policy policy);
        static Result failure(std::vector<PolicyError> errors);

        bool ok() const noexcept { return policy_.has_value(); }
        explicit operator bool() const noexcept { return ok(); }

        // Precondition: ok(). Throws std::logic_error otherwise, as reading a policy out of a
        // failed load is a programming error, not bad input.
        const mamori::v1::Policy& policy() const&;
        mamori::v1::Policy policy() &&;

        // Empty when ok().
        const std::vector<PolicyError>& errors() const noexcept { return errors_; }
        // All errors, formatted, one after another.
        std::string formatErrors() const;

    private:
        std::optional<mamori::v1::Policy> policy_;
        std::vector<PolicyError> errors_;
    };

    struct Options {
        // Where closed_days_csv is looked up when it is a relative path; empty means the
        // directory of file_name.
        std::filesystem::path base_dir;
        // Whether the profile may read other files (closed_days_csv). Off where the YAML
        // comes over the network and a path would name a file on the server.
        bool allow_file_reads = true;
    };

    // A profile is a few kilobytes; this bounds the work on a wrong or hostile file.
    static constexpr std::size_t kMaxBytes = 1 << 20;
    // hours.failed_logons when a profile leaves it out, and what the agent judges by when a
    // policy carries none (002:886: three failures within ten minutes).
    static constexpr std::uint32_t kFailedLogonLimit = 3;
    static constexpr std::uint32_t kFailedLogonWindowMinutes = 10;

    // yaml: the profile text; file_name: shown in errors and the base of relative paths.
    static Result load(std::string_view yaml, std::string file_name);
    static Result load(std::string_view yaml, std::string file_name, const Options& options);
    static Result loadFile(const std::filesystem::path& path);
    static Result loadFile(const std::filesystem::path& path, const Options& options);

    // The secure default a terminal runs before it has ever received a policy: the
    // installer/profiles/default.yaml compiled into the library.
    static mamori::v1::Policy builtInDefault();
    // That file's text as compiled in.
    static std::string_view builtInDefaultYaml();
};

}  // namespace mamori::policy
