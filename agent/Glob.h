#pragma once
#include <string_view>

namespace mamori::agent {

// Shell-style wildcards as administrators write package patterns: * any run, ? one character,
// [abc] [a-z] [!x] one of a set. No escapes: package names never contain the metacharacters.
class Glob {
public:
    static bool match(std::string_view pattern, std::string_view text);
};

}  // namespace mamori::agent
