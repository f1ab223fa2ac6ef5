/* SPDX-License-Identifier: MIT */
#include "child/net.h"

#include <errno.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <string.h>
#include <unistd.h>

int child_hostname_setup(const struct policy *p, struct err_ctx *reterr)
{
	/* Without a uts namespace this would rename the host. */
	if (!p->ns.uts || !p->hostname)
		return 0;
	if (sethostname(p->hostname, strlen(p->hostname)) < 0)
		return err_set(reterr, errno, "cannot set hostname '%s'", p->hostname);
	return 0;
}

/* libnl reports its own codes; map the ones a user can act on back to errno. */
static int nl_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_PERM:
		return EPERM;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return ENODEV;
	case NLE_NOACCESS:
		return EACCES;
	case NLE_OPNOTSUPP:
		return EOPNOTSUPP;
	default:
		return EIO;
	}
}

static int loopback_up(struct nl_sock *sk, struct err_ctx *reterr)
{
	struct rtnl_link *link = NULL, *change = NULL;
	int r = rtnl_link_get_kernel(sk, 0, "lo", &link);

	if (r < 0)
		return err_set(reterr, nl_to_errno(r), "cannot find 'lo' (%s)", nl_geterror(r));
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(link);
		return err_set(reterr, ENOMEM, "cannot bring up 'lo'");
	}
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, link, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(link);
	if (r < 0)
		return err_set(reterr, nl_to_errno(r), "cannot bring up 'lo' (%s)", nl_geterror(r));
	return 0;
}

int child_net_setup(const struct policy *p, struct err_ctx *reterr)
{
	struct nl_sock *sk;
	int r;

	if (p->net != POLICY_NET_LOOPBACK)
		return 0;
	sk = nl_socket_alloc();
	if (!sk)
		return err_set(reterr, ENOMEM, "cannot allocate a netlink socket");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0)
		r = err_set(reterr, nl_to_errno(r), "cannot open a route netlink socket (%s)",
			    nl_geterror(r));
	else
		r = loopback_up(sk, reterr);
	/* Frees the socket and closes it: no netlink fd may reach the payload. */
	nl_socket_free(sk);
	return r;
}
