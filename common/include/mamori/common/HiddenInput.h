#pragma once
#include <string>

namespace mamori::common {

// Asks on the controlling terminal with echo off (a passphrase): false when there is no terminal
// to ask on, so a script gets an error instead of a hang on its standard input.
bool askHidden(const std::string& prompt, std::string& answer);
// Whether standard input is a terminal (a person types) rather than a pipe or a file (a script).
bool standardInputIsTerminal();

}  // namespace mamori::common
