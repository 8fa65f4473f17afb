/* cli.h: subcommands and shared option handling of the sleuth command line. */
#ifndef SLEUTH_CLI_CLI_H
#define SLEUTH_CLI_CLI_H

/* Exit codes (documented in the man page). */
enum { EXIT_OK = 0, EXIT_BADINPUT = 1, EXIT_USAGE = 2 };

int cli_packets(int argc, char **argv);
int cli_fields(void);
int cli_conv(int argc, char **argv);
int cli_hosts(int argc, char **argv);
int cli_follow(int argc, char **argv);
int cli_stats(int argc, char **argv);
int cli_log(int argc, char **argv);
int cli_extract(int argc, char **argv);
int cli_creds(int argc, char **argv);

#endif
