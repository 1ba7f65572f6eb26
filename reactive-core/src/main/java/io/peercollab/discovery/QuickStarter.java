// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Timer;
import java.util.concurrent.ThreadLocalRandom;

import javax.jmdns.JmDNS;
import javax.jmdns.impl.DNSIncoming;
import javax.jmdns.impl.DNSTaskStarter;
import javax.jmdns.impl.JmDNSImpl;
import javax.jmdns.impl.ServiceInfoImpl;
import javax.jmdns.impl.tasks.RecordReaper;
import javax.jmdns.impl.tasks.Responder;
import javax.jmdns.impl.tasks.resolver.ServiceInfoResolver;
import javax.jmdns.impl.tasks.resolver.ServiceResolver;
import javax.jmdns.impl.tasks.resolver.TypeResolver;
import javax.jmdns.impl.tasks.state.Announcer;
import javax.jmdns.impl.tasks.state.Canceler;
import javax.jmdns.impl.tasks.state.Prober;
import javax.jmdns.impl.tasks.state.Renewer;
import javax.jmdns.impl.constants.DNSConstants;

/**
 * jmDNS's task starter for the instances this library opens, with RFC 6762's timings where jmDNS 3.6.1 is slower:
 * <ul>
 *   <li>probes 250 ms apart (RFC 6762 section 8.1) also for a fresh instance's host name, where jmDNS waits 1 s
 *   before each probe until the host is announced: a new instance's first service is then visible in about 1 s
 *   instead of 4 s;</li>
 *   <li>the first announcement right after probing (section 8.3), where jmDNS waits 1 s; later ones 1 s apart;</li>
 *   <li>goodbyes 250 ms apart, the first at once, where jmDNS sends them 1 s apart (and {@code unregisterService}
 *   and {@code close} wait for all of them).</li>
 * </ul>
 * After a name conflict, and when probing was restarted {@value DNSConstants#PROBE_THROTTLE_COUNT} times within
 * {@value DNSConstants#PROBE_THROTTLE_COUNT_INTERVAL} ms, probes go 1 s apart, as in jmDNS. Every other task is
 * jmDNS's own, on two timers per instance as jmDNS's default starter has.
 *
 * <p>jmDNS chooses a starter through one process-wide {@link DNSTaskStarter.Factory.ClassDelegate}. {@link #create}
 * installs one that gives this starter only to the instance it is creating on the calling thread and defers every
 * other instance to the delegate installed before (or jmDNS's default), so that other jmDNS users in the process keep
 * their timings.
 */
final class QuickStarter implements DNSTaskStarter {

	/** Probe interval, RFC 6762 section 8.1. */
	static final int PROBE_INTERVAL_MILLIS = 250;
	/** Interval between goodbyes. */
	static final int GOODBYE_INTERVAL_MILLIS = 250;

	private static final ThreadLocal<Boolean> CREATING = new ThreadLocal<>();
	private static final Object INSTALL_LOCK = new Object();
	private static volatile boolean installed;

	private final JmDNSImpl dns;
	private final Timer timer;
	private final Timer stateTimer;

	private QuickStarter(JmDNSImpl dns) {
		this.dns = dns;
		this.timer = new DNSTaskStarterImpl.StarterTimer("JmDNS(" + dns.getName() + ").Timer", true);
		// jmDNS's state timer is not a daemon either: an instance keeps the JVM alive until it is closed
		this.stateTimer = new DNSTaskStarterImpl.StarterTimer("JmDNS(" + dns.getName() + ").State.Timer", false);
	}

	/**
	 * Opens a jmDNS instance that uses this starter.
	 *
	 * @param address the address to bind to
	 * @param hostName its host name
	 * @return the instance, probing its host name
	 * @throws IOException if it cannot bind
	 */
	static JmDNS create(InetAddress address, String hostName) throws IOException {
		install();
		CREATING.set(Boolean.TRUE);
		try {
			return JmDNS.create(address, hostName);
		}
		finally {
			CREATING.remove();
		}
	}

	private static void install() {
		if (installed) {
			return;
		}
		synchronized (INSTALL_LOCK) {
			if (installed) {
				return;
			}
			DNSTaskStarter.Factory.ClassDelegate before = DNSTaskStarter.Factory.classDelegate();
			DNSTaskStarter.Factory.setClassDelegate(dns -> {
				if (Boolean.TRUE.equals(CREATING.get())) {
					return new QuickStarter(dns);
				}
				return before == null ? null : before.newDNSTaskStarter(dns);
			});
			installed = true;
		}
	}

	/** @return whether this starter serves the instance (for tests) */
	static boolean serves(JmDNS jmdns) {
		return jmdns instanceof JmDNSImpl impl
				&& DNSTaskStarter.Factory.getInstance().getStarter(impl) instanceof QuickStarter;
	}

	@Override
	public void purgeTimer() {
		timer.purge();
	}

	@Override
	public void purgeStateTimer() {
		stateTimer.purge();
	}

	@Override
	public void cancelTimer() {
		timer.cancel();
	}

	@Override
	public void cancelStateTimer() {
		stateTimer.cancel();
	}

	@Override
	public void startProber() {
		new QuickProber(dns).start(stateTimer);
	}

	@Override
	public void startAnnouncer() {
		new QuickAnnouncer(dns).start(stateTimer);
	}

	@Override
	public void startRenewer() {
		new Renewer(dns).start(stateTimer);
	}

	@Override
	public void startCanceler() {
		new QuickCanceler(dns).start(stateTimer);
	}

	@Override
	public void startReaper() {
		new RecordReaper(dns).start(timer);
	}

	@Override
	public void startServiceInfoResolver(ServiceInfoImpl info) {
		new ServiceInfoResolver(dns, info).start(timer);
	}

	@Override
	public void startTypeResolver() {
		new TypeResolver(dns).start(timer);
	}

	@Override
	public void startServiceResolver(String type) {
		new ServiceResolver(dns, type).start(timer);
	}

	@Override
	public void startResponder(DNSIncoming in, InetAddress addr, int port) {
		new Responder(dns, in, addr, port).start(timer);
	}

	/** jmDNS's prober, with its schedule: 250 ms apart unless throttled, also before the host is announced. */
	private static final class QuickProber extends Prober {

		QuickProber(JmDNSImpl dns) {
			super(dns);
		}

		@Override
		public void start(Timer timer) {
			JmDNSImpl dns = getDns();
			long now = System.currentTimeMillis();
			if (now - dns.getLastThrottleIncrement() < DNSConstants.PROBE_THROTTLE_COUNT_INTERVAL) {
				dns.setThrottle(dns.getThrottle() + 1);
			}
			else {
				dns.setThrottle(1);
			}
			dns.setLastThrottleIncrement(now);
			if (dns.getThrottle() < DNSConstants.PROBE_THROTTLE_COUNT) {
				timer.schedule(this, ThreadLocalRandom.current().nextInt(1 + PROBE_INTERVAL_MILLIS),
						PROBE_INTERVAL_MILLIS);
			}
			else if (!dns.isCanceling() && !dns.isCanceled()) {
				timer.schedule(this, DNSConstants.PROBE_CONFLICT_INTERVAL, DNSConstants.PROBE_CONFLICT_INTERVAL);
			}
		}
	}

	/** jmDNS's announcer, announcing at once after probing, then 1 s later. */
	private static final class QuickAnnouncer extends Announcer {

		QuickAnnouncer(JmDNSImpl dns) {
			super(dns);
		}

		@Override
		public void start(Timer timer) {
			if (!getDns().isCanceling() && !getDns().isCanceled()) {
				timer.schedule(this, 0, DNSConstants.ANNOUNCE_WAIT_INTERVAL);
			}
		}
	}

	/** jmDNS's canceler, saying goodbye 250 ms apart. */
	private static final class QuickCanceler extends Canceler {

		QuickCanceler(JmDNSImpl dns) {
			super(dns);
		}

		@Override
		public void start(Timer timer) {
			timer.schedule(this, 0, GOODBYE_INTERVAL_MILLIS);
		}
	}
}
