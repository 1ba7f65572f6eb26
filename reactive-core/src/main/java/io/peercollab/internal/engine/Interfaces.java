// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.engine;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The addresses a wildcard-bound endpoint stands for, as a function over the interfaces (read, never opened). */
final class Interfaces {

	/** The endpoint's logger: what this room logs reads as the endpoint's. */
	private static final Logger LOG = LoggerFactory.getLogger(PeerCollaboration.class);

	private Interfaces() {
	}

	/** @return the addresses of every interface that is up, keyed by interface name; empty if they cannot be read */
	static Map<String, List<InetAddress>> up() {
		Map<String, List<InetAddress>> out = new java.util.LinkedHashMap<>();
		try {
			for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
				if (ni.isUp() && !ni.isLoopback() && !ni.isVirtual()) {
					out.put(ni.getName(), Collections.list(ni.getInetAddresses()));
				}
			}
		}
		catch (SocketException e) {
			LOG.warn("could not list network interfaces: {}", e.getMessage());
		}
		return out;
	}

	/** @return one endpoint per address that others could reach: not loopback, link-local, multicast or wildcard */
	static List<PeerEndPoint> endPoints(Map<String, List<InetAddress>> interfaces, int port) {
		List<PeerEndPoint> out = new ArrayList<>();
		interfaces.forEach((name, addresses) -> {
			for (InetAddress a : addresses) {
				if (!a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isMulticastAddress()
						&& !a.isAnyLocalAddress()) {
					out.add(new PeerEndPoint(name, new InetSocketAddress(a, port)));
				}
			}
		});
		return out;
	}
}
