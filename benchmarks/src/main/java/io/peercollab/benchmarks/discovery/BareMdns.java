// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks.discovery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

import javax.jmdns.JmDNS;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;

import io.peercollab.benchmarks.BenchPeers;
import io.peercollab.identity.PeerName;

/**
 * Bare jmDNS on 127.0.0.1, used the way jmDNS's documentation shows: a {@link ServiceListener} that asks for the
 * details of each service added (off jmDNS's listener thread, with the four-argument {@code requestServiceInfo}, as
 * the library does) and reports {@code serviceResolved} and {@code serviceRemoved}. Announcements carry the same TXT
 * record as the library's ({@code v}, {@code pn}, {@code nn}).
 */
public final class BareMdns implements AutoCloseable {

	private final JmDNS jmdns;
	private final ExecutorService resolver = Executors.newCachedThreadPool(r -> {
		Thread t = new Thread(r, "bare-mdns-resolve");
		t.setDaemon(true);
		return t;
	});
	private final Map<String, CompletableFuture<ServiceInfo>> resolved = new ConcurrentHashMap<>();
	private final Map<String, CompletableFuture<Long>> removed = new ConcurrentHashMap<>();
	private final Map<String, CompletableFuture<Long>> named = new ConcurrentHashMap<>();

	private BareMdns(JmDNS jmdns) {
		this.jmdns = jmdns;
	}

	/** @return a jmDNS instance on 127.0.0.1 with a host name of its own, not browsing */
	public static JmDNS open(String hostPrefix) {
		try {
			return JmDNS.create(InetAddress.getByName("127.0.0.1"), hostPrefix + "-" + tag());
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** @return a jmDNS instance on 127.0.0.1 browsing the benchmark service type */
	public static BareMdns browsing(String hostPrefix) {
		BareMdns b = new BareMdns(open(hostPrefix));
		b.jmdns.addServiceListener(BenchPeers.SERVICE_TYPE, b.new Listener());
		return b;
	}

	/** @return completes with the service's details once it is resolved with its TXT record */
	public CompletableFuture<ServiceInfo> resolution(String instance) {
		return resolved.computeIfAbsent(key(instance), k -> new CompletableFuture<>());
	}

	/**
	 * @return completes with {@link System#nanoTime()} when a service announcing {@code name} ({@code pn} in its TXT
	 * record) is resolved, whatever its instance name
	 */
	public CompletableFuture<Long> resolutionOf(PeerName name) {
		return named.computeIfAbsent(name.toString(), k -> new CompletableFuture<>());
	}

	/** @return completes with {@link System#nanoTime()} when the service is reported removed */
	public CompletableFuture<Long> removal(String instance) {
		return removed.computeIfAbsent(key(instance), k -> new CompletableFuture<>());
	}

	/** @return how many services have been resolved so far */
	public long resolvedCount() {
		return resolved.values().stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count();
	}

	@Override
	public void close() {
		try {
			jmdns.close();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		resolver.shutdownNow();
	}

	/** @return a service of the benchmark type announcing {@code name} as the library does */
	public static ServiceInfo service(String instance, PeerName name, String nickname, int port) {
		return ServiceInfo.create(BenchPeers.SERVICE_TYPE, instance, port, 0, 0, txt(name, nickname));
	}

	/** @return a fresh service instance name */
	public static String instanceName(String prefix) {
		return prefix + "-" + tag();
	}

	/** @return the library's TXT record: length-prefixed {@code v=1}, {@code pn=<name>}, {@code nn=<nickname>} */
	public static byte[] txt(PeerName name, String nickname) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (String entry : new String[] { "v=1", "pn=" + name, "nn=" + nickname }) {
			byte[] b = entry.getBytes(StandardCharsets.UTF_8);
			out.write(b.length);
			out.write(b, 0, b.length);
		}
		return out.toByteArray();
	}

	private static String key(String instance) {
		return instance.toLowerCase(Locale.ROOT);
	}

	private static String tag() {
		return String.format(Locale.ROOT, "%08x", ThreadLocalRandom.current().nextInt());
	}

	private final class Listener implements ServiceListener {

		@Override
		public void serviceAdded(ServiceEvent event) {
			String type = event.getType();
			String name = event.getName();
			resolver.execute(() -> {
				try {
					jmdns.requestServiceInfo(type, name, true, 2_000);
				}
				catch (RuntimeException e) {
					// closing
				}
			});
		}

		@Override
		public void serviceResolved(ServiceEvent event) {
			ServiceInfo info = event.getInfo();
			byte[] text = info.getTextBytes();
			if (text != null && text.length > 1) {
				long now = System.nanoTime();
				resolution(event.getName()).complete(info);
				String pn = info.getPropertyString("pn");
				if (pn != null) {
					named.computeIfAbsent(pn, k -> new CompletableFuture<>()).complete(now);
				}
			}
		}

		@Override
		public void serviceRemoved(ServiceEvent event) {
			removal(event.getName()).complete(System.nanoTime());
		}
	}
}
