/* test_oui.c: unit test of the OUI vendor table (report/oui.c), TAP-style output, exit 0 when all pass. */
#include <stdio.h>
#include <string.h>

#include "report/oui.h"

#include "tap.h"

/* Checks that the OUI aa:bb:cc resolves to want (NULL: not registered), whatever the low 3 bytes. */
static void test_check_vendor(uint32_t oui, const char *want, const char *desc)
{
	uint8_t mac[6] = { (uint8_t)(oui >> 16), (uint8_t)(oui >> 8), (uint8_t)oui, 0x12, 0x34, 0x56 };
	uint8_t mac2[6] = { mac[0], mac[1], mac[2], 0xff, 0x00, 0xa5 };
	const char *got = oui_lookup(mac);
	const char *got2 = oui_lookup(mac2);
	int ok = want ? got && !strcmp(got, want) : got == NULL;
	ok = ok && got == got2;
	if (!ok)
		printf("# %06lx: got \"%s\", want \"%s\"\n", (unsigned long)oui, got ? got : "(null)",
		       want ? want : "(null)");
	test_report_result(ok, desc);
}

/* A short name is 1-8 characters from [A-Za-z0-9-]. */
static int test_is_short_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 8)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* Looks up every possible OUI: the hits must be exactly oui_count() well-formed names. */
static void test_scan_table(void)
{
	size_t hits = 0, bad = 0;
	uint8_t mac[6] = { 0 };
	for (uint32_t oui = 0; oui < 1u << 24; oui++) {
		mac[0] = (uint8_t)(oui >> 16);
		mac[1] = (uint8_t)(oui >> 8);
		mac[2] = (uint8_t)oui;
		const char *v = oui_lookup(mac);
		if (!v)
			continue;
		hits++;
		if (!test_is_short_name(v)) {
			if (bad++ < 5)
				printf("# %06lx: bad name \"%s\"\n", (unsigned long)oui, v);
		}
	}
	if (hits != oui_count())
		printf("# %zu OUIs found by lookup, oui_count() says %zu\n", hits, oui_count());
	test_report_result(hits == oui_count(), "every table entry is found by lookup (table sorted, no duplicates)");
	test_report_result(bad == 0, "every name is 1-8 characters from [A-Za-z0-9-]");
}

int main(void)
{
	/* IEEE names as in /usr/share/ieee-data/oui.txt (ieee-data 20220827). */
	test_check_vendor(0x001B63, "Apple", "00:1b:63 Apple, Inc. -> Apple");
	test_check_vendor(0x00000C, "Cisco", "00:00:0c Cisco Systems, Inc -> Cisco");
	test_check_vendor(0x005056, "VMware", "00:50:56 VMware, Inc. -> VMware");
	test_check_vendor(0x000B82, "Grandstr", "00:0b:82 Grandstream Networks, Inc. -> Grandstr");
	test_check_vendor(0x0024D7, "IntelCor", "00:24:d7 Intel Corporate -> IntelCor");
	test_check_vendor(0x000FB3, "Actionte", "00:0f:b3 Actiontec Electronics, Inc -> Actionte");
	test_check_vendor(0x080009, "HewlettP", "08:00:09 Hewlett Packard -> HewlettP");
	test_check_vendor(0x00E04C, "RealtekS", "00:e0:4c REALTEK SEMICONDUCTOR CORP. -> RealtekS (title case)");
	test_check_vendor(0x00155D, "Microsof", "00:15:5d Microsoft Corporation -> Microsof");
	test_check_vendor(0x0050BA, "D-Link", "00:50:ba D-Link Corporation -> D-Link (hyphen kept)");
	test_check_vendor(0x68A40E, "BSHHausg", "68:a4:0e BSH Hausger\\u00e4te GmbH -> BSHHausg (UTF-8 to ASCII)");
	test_check_vendor(0x000000, "Xerox", "00:00:00 XEROX CORPORATION -> Xerox (first table entry)");
	test_check_vendor(0xFFFFFF, NULL, "ff:ff:ff (broadcast) is not an OUI -> NULL");
	test_check_vendor(0x01005E, NULL, "01:00:5e (IPv4 multicast) is not an OUI -> NULL");
	test_check_vendor(0x0180C2, NULL, "01:80:c2 (IEEE 802.1 group addresses) is not an OUI -> NULL");
	test_report_result(oui_lookup(NULL) == NULL, "NULL MAC -> NULL");
	test_report_result(oui_count() > 30000, "table holds the full MA-L registry (> 30000 OUIs)");
	test_scan_table();
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
