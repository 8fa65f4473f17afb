/* main.c: sleuth entry point and subcommand dispatch. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#ifndef SLEUTH_VERSION
#define SLEUTH_VERSION "0.1.0"
#endif

static void main_usage(FILE *f)
{
	fputs("usage: sleuth COMMAND [OPTIONS] CAPTURE\n"
	      "\n"
	      "commands:\n"
	      "  packets   list packets as tshark does (-T fields|text, -e FIELD, -V, -c N, -t FMT, -f BPF, -i IFACE)\n"
	      "  fields    list the field names sleuth knows\n"
	      "  conv      conversation table as tshark -z conv (eth|ip|ipv6|tcp|udp, --sort)\n"
	      "  hosts     endpoints with packets, bytes, names learned and MAC vendor\n"
	      "  follow    a TCP or UDP stream's payload ('tcp.stream eq N', --ascii|--hex|--raw)\n"
	      "  stats     io (--interval) and expert statistics\n"
	      "  log       every record (conn, http, dns, tls, files, creds, names ...) as JSON lines\n"
	      "  extract   write the files that crossed the wire into a folder (-o DIR), with sha256\n"
	      "  creds     credentials seen in clear text\n"
	      "  version   print the version\n"
	      "\n"
	      "Run 'sleuth packets --help' for the options of a command.\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "packets"))
		return cli_packets(argc - 1, argv + 1);
	if (!strcmp(cmd, "fields"))
		return cli_fields();
	if (!strcmp(cmd, "conv"))
		return cli_conv(argc - 1, argv + 1);
	if (!strcmp(cmd, "hosts"))
		return cli_hosts(argc - 1, argv + 1);
	if (!strcmp(cmd, "follow"))
		return cli_follow(argc - 1, argv + 1);
	if (!strcmp(cmd, "stats"))
		return cli_stats(argc - 1, argv + 1);
	if (!strcmp(cmd, "log"))
		return cli_log(argc - 1, argv + 1);
	if (!strcmp(cmd, "extract"))
		return cli_extract(argc - 1, argv + 1);
	if (!strcmp(cmd, "creds"))
		return cli_creds(argc - 1, argv + 1);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("sleuth %s\n", SLEUTH_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		main_usage(stdout);
		return EXIT_OK;
	}
	fprintf(stderr, "sleuth: unknown command '%s'\n", cmd);
	main_usage(stderr);
	return EXIT_USAGE;
}
