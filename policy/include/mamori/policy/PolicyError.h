#pragma once

#include <string>

namespace mamori::policy {

// One problem found in a policy profile or a file it refers to. Administrators read these
// (mamorictl policy check, the collector's admin API), so every message says what is wrong
// and what to write instead, in English and in Japanese.
struct PolicyError {
    std::string file;
    int line = 0;    // 1-based; 0 when the problem concerns the file as a whole
    int column = 0;  // 1-based; 0 when unknown
    std::string message;     // English
    std::string message_ja;  // 日本語

    // "file:line:column: error: <English>\n  <日本語>" — the compiler layout, so editors and
    // terminals jump to the spot.
    std::string format() const;

    friend bool operator==(const PolicyError&, const PolicyError&) = default;
};

}  // namespace mamori::policy
