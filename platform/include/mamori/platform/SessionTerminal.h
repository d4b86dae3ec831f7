#pragma once
#include <string>

namespace mamori::platform {

// Writes a message to one text session's own terminal (utmp's line, "pts/3" or "tty2"), as
// write(1) would, instead of wall(1)'s broadcast to every session. false for a line that is not
// a terminal device, or one that cannot be opened; the terminal never becomes the agent's.
bool writeToSessionTerminal(const std::string& line, const std::string& text);

}  // namespace mamori::platform
