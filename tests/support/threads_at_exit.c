// A program that exits while threads of its own are still running, as GLib programs (gsettings,
// notify-send) do: exit_group takes the threads down after the main one, so the group's end and
// the moment its leader can be reaped are not the same instant. argv[1] is the exit code.
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static void* idle(void* unused) {
    (void)unused;
    for (;;) pause();
    return NULL;
}

int main(int argc, char** argv) {
    for (int i = 0; i < 8; ++i) {
        pthread_t t;
        if (pthread_create(&t, NULL, idle, NULL) != 0) return 100;
    }
    return argc > 1 ? atoi(argv[1]) : 0;
}
