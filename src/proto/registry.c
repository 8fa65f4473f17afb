/* registry.c: the table of dissectors (X-macro over protos.def), its validation, and the choice
 * of a dissector for a flow: content first, port second (as Wireshark does for heuristic
 * dissectors that are on by default; our probes are strict so a port still decides when the
 * first bytes say nothing). */
#include "proto/proto.h"

#include <stdio.h>
#include <string.h>

#define PROTO(n) extern const struct proto_desc proto_##n;
#include "proto/protos.def"
#undef PROTO

static const struct proto_desc *const registry[] = {
#define PROTO(n) &proto_##n,
#include "proto/protos.def"
#undef PROTO
};

#define REGISTRY_N (sizeof registry / sizeof registry[0])
#define PROTO_STATE_MAX 4096 /* per direction: dissector state lives in every claimed flow */
#define PROTO_PORTS_MAX 64

_Static_assert(REGISTRY_N < 255, "protocol indexes fit in a byte");

size_t proto_count(void)
{
	return REGISTRY_N;
}

void proto_thread_end(void)
{
	for (size_t i = 0; i < proto_count(); i++)
		if (proto_get(i)->thread_end)
			proto_get(i)->thread_end();
}

const struct proto_desc *proto_get(size_t i)
{
	return i < REGISTRY_N ? registry[i] : NULL;
}

int proto_index(const char *name)
{
	for (size_t i = 0; i < REGISTRY_N; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return (int)i;
	return -1;
}

const struct proto_desc *proto_find(const char *name)
{
	for (size_t i = 0; i < REGISTRY_N; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

int registry_validate(struct errbuf *e)
{
	for (size_t i = 0; i < REGISTRY_N; i++) {
		const struct proto_desc *d = registry[i];
		if (!d->name || !d->name[0])
			return err_set(e, ERR_USAGE, "protocol #%zu has no name", i);
		if (!d->parse)
			return err_set(e, ERR_USAGE, "protocol %s has no parse()", d->name);
		if (!d->init != !d->fini)
			return err_set(e, ERR_USAGE, "protocol %s sets only one of init()/fini()", d->name);
		if (!d->l4 || (d->l4 & ~(PROTO_L4_TCP | PROTO_L4_UDP)))
			return err_set(e, ERR_USAGE, "protocol %s has transport %u", d->name, d->l4);
		if (d->state_size > PROTO_STATE_MAX)
			return err_set(e, ERR_USAGE, "protocol %s state %zu > %d bytes", d->name, d->state_size,
				       PROTO_STATE_MAX);
		size_t np = 0;
		while (d->ports && d->ports[np] && np <= PROTO_PORTS_MAX)
			np++;
		if (np > PROTO_PORTS_MAX)
			return err_set(e, ERR_USAGE, "protocol %s lists more than %d ports", d->name, PROTO_PORTS_MAX);
		for (size_t j = 0; j < i; j++)
			if (strcmp(registry[j]->name, d->name) == 0)
				return err_set(e, ERR_USAGE, "protocol name %s registered twice", d->name);
	}
	return 0;
}

static int port_match(const struct proto_desc *d, uint16_t port)
{
	for (size_t k = 0; d->ports && d->ports[k] && k < PROTO_PORTS_MAX; k++)
		if (d->ports[k] == port)
			return 1;
	return 0;
}

int registry_select(uint8_t l4, uint16_t sport, uint16_t dport, struct slice first, int *by_content)
{
	*by_content = 0;
	if (first.len)
		for (size_t i = 0; i < REGISTRY_N; i++)
			if ((registry[i]->l4 & l4) && registry[i]->probe && registry[i]->probe(l4, first) == PROBE_YES) {
				*by_content = 1;
				return (int)i;
			}
	uint16_t lo = sport < dport ? sport : dport, hi = sport < dport ? dport : sport;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < REGISTRY_N; i++)
			if ((registry[i]->l4 & l4) && port_match(registry[i], pass ? hi : lo))
				return (int)i;
	return -1;
}

int proto_decode_as_parse(const char *s, struct proto_decode_as *out, struct errbuf *e)
{
	uint8_t l4;
	if (!strncmp(s, "tcp.port", 8))
		l4 = PROTO_L4_TCP;
	else if (!strncmp(s, "udp.port", 8))
		l4 = PROTO_L4_UDP;
	else
		return err_set(e, ERR_USAGE, "decode-as '%s': expected tcp.port==PORT,PROTOCOL or udp.port==PORT,PROTOCOL", s);
	const char *p = s + 8;
	while (*p == ' ')
		p++;
	if (!strncmp(p, "==", 2))
		p += 2;
	else if (!strncmp(p, "eq ", 3))
		p += 3;
	else
		return err_set(e, ERR_USAGE, "decode-as '%s': expected == after the port field", s);
	while (*p == ' ')
		p++;
	unsigned long port = 0;
	int digits = 0;
	while (*p >= '0' && *p <= '9' && port <= 65535) {
		port = port * 10 + (unsigned long)(*p++ - '0');
		digits++;
	}
	if (!digits || port > 65535 || *p != ',')
		return err_set(e, ERR_USAGE, "decode-as '%s': expected a port 0-65535 then ,PROTOCOL", s);
	const char *name = p + 1;
	for (size_t i = 0; i < REGISTRY_N; i++)
		if (!strcmp(registry[i]->name, name)) {
			if (!(registry[i]->l4 & l4))
				return err_set(e, ERR_USAGE, "decode-as '%s': %s does not run over %s", s, name,
					       l4 == PROTO_L4_TCP ? "TCP" : "UDP");
			out->l4 = l4;
			out->proto = (uint8_t)i;
			out->port = (uint16_t)port;
			return 0;
		}
	char known[512];
	size_t k = 0;
	known[0] = 0;
	for (size_t i = 0; i < REGISTRY_N && k + 32 < sizeof known; i++)
		k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", i ? " " : "", registry[i]->name);
	return err_set(e, ERR_USAGE, "decode-as '%s': unknown protocol '%s' (known: %s)", s, name, known);
}

int proto_decode_as_find(const struct proto_decode_as *da, size_t n, uint8_t l4, uint16_t sport, uint16_t dport)
{
	for (size_t i = 0; da && i < n; i++)
		if ((da[i].l4 & l4) && (da[i].port == sport || da[i].port == dport))
			return da[i].proto;
	return -1;
}
