// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.agent.internal.AgentClient;
import io.peercollab.agent.internal.AgentFiles;
import io.peercollab.agent.internal.AgentServer;
import io.peercollab.agent.internal.AttachedCollaboration;
import io.peercollab.contact.ContactStores;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The per-user agent: it owns one {@link PeerCollaboration} (identity, contact store, discovery, transport, presence,
 * registrations) and serves it to the user's applications over a local channel that only this user can open. An
 * application attaches with {@link PeerCollaboration#agent()} (or {@link #attachOrStart(AgentSettings)}) and gets the
 * same interface; one sign-in, presence and set of registrations is then shared by all of them.
 *
 * <pre>{@code
 * PeerCollaboration.agent()
 *         .flatMap(collab -> collab.signIn(PeerScope.INTERNET).thenReturn(collab))
 *         .subscribe(collab -> ...);
 * }</pre>
 *
 * <p>What goes with an attached application when it detaches or dies: the objects it was the last to set, the
 * sessions it held, its invitation stream. What stays: sign-in, presence and registrations (they are the person's).
 * An invitation into a registered application that has a launch command and no attached application waiting for it
 * goes through the {@link ConsentHook}; accepted, the agent starts the registered command (only that: nothing from the
 * network reaches the command line or the environment), and the started application reads
 * {@link PeerCollaboration#launchInfo()} when it attaches, within the {@link AgentSettings#launchTimeout() launch
 * timeout}.
 */
public final class PeerCollabAgent implements Disposable {

	/** The longest a stop on the end of the process (SIGTERM) waits. */
	private static final Duration STOP_ON_EXIT = Duration.ofSeconds(10);

	private final AgentServer server;

	private PeerCollabAgent(AgentServer server) {
		this.server = server;
	}

	/**
	 * Serves {@code collab} on the local channel of {@code settings}: prepares the directory ({@code rwx------}),
	 * writes a new secret ({@code rw-------}) and listens. The collaboration is the agent's from now on: stopping the
	 * agent closes it.
	 *
	 * @return the running agent; fails with {@link io.peercollab.NotAuthorizedException} if the directory is another
	 * user's or open to others
	 */
	public static Mono<PeerCollabAgent> start(PeerCollaboration collab, AgentSettings settings) {
		Objects.requireNonNull(collab, "collab");
		Objects.requireNonNull(settings, "settings");
		return AgentServer.start(collab, settings).map(PeerCollabAgent::new);
	}

	/**
	 * @return the collaboration of the agent that runs for {@code settings}; fails with
	 * {@link io.peercollab.NotAuthorizedException} if its secret file is open to others or the agent refuses this
	 * application, and with an {@link IOException} if none runs
	 */
	public static Mono<PeerCollaboration> attach(AgentSettings settings) {
		return AgentClient.attach(Objects.requireNonNull(settings, "settings"));
	}

	/**
	 * An agent started here reads its input from {@code /dev/null} and writes its output to the agent directory's
	 * log, so it has no console to ask on: without {@code --consent} in {@link AgentSettings#agentArguments()} it
	 * declines every invitation that would launch an application ({@link ConsentHook#DECLINE}), and
	 * {@code --consent ask} declines too (the prompt reads the end of its input). {@link PeerCollaboration#agent()}
	 * starts one with no options. An agent that runs already keeps the options it was started with.
	 *
	 * @return as {@link #attach}, starting an agent (this JVM's {@code java} and class path, with
	 * {@link AgentSettings#agentArguments()}) if none answers, and waiting for it at most
	 * {@link AgentSettings#startTimeout()}
	 */
	public static Mono<PeerCollaboration> attachOrStart(AgentSettings settings) {
		return AgentClient.attachOrStart(Objects.requireNonNull(settings, "settings"));
	}

	/**
	 * Asks the agent an application is attached to to stop: it detaches every application and closes its
	 * collaboration.
	 *
	 * @param attached a collaboration obtained from {@link #attach} or {@link PeerCollaboration#agent()}
	 * @return completes once the agent heard it
	 * @throws IllegalArgumentException if {@code attached} is not attached to an agent
	 */
	public static Mono<Void> stop(PeerCollaboration attached) {
		if (!(attached instanceof AttachedCollaboration a)) {
			throw new IllegalArgumentException("attached must come from PeerCollabAgent.attach or agent()");
		}
		return a.stopAgent();
	}

	/** @return where the agent listens on loopback TCP; empty on a Unix domain socket */
	public Optional<InetSocketAddress> tcpAddress() {
		return server.tcpAddress();
	}

	/** @return stops listening, detaches every application and closes the collaboration */
	public Mono<Void> stop() {
		return server.stop();
	}

	/** @return completes when the agent has stopped, by {@link #stop()} or an application's request */
	public Mono<Void> onStop() {
		return server.onStop();
	}

	@Override
	public void dispose() {
		server.dispose();
	}

	@Override
	public boolean isDisposed() {
		return server.isDisposed();
	}

	/**
	 * Runs the agent until an application asks it to stop (or the process is ended).
	 *
	 * <pre>
	 * java -jar peercollab-agent.jar [--dir DIR] [--tcp] [--home DIR] [--classifier NAME] [--nickname NAME]
	 *     [--host ADDRESS] [--port N] [--discovery default|loopback|none] [--in-memory-store]
	 *     [--consent accept|decline|ask]
	 *     [--launch-timeout SECONDS] [--sign-in SCOPE]
	 * </pre>
	 * {@code --dir}: the agent directory ({@link AgentSettings#defaults()}); {@code --tcp}: loopback TCP instead of a
	 * Unix domain socket; {@code --home}: where the identity ({@code identity.p12}, its password from the environment
	 * variable {@code PEERCOLLAB_AGENT_PASSWORD}, else empty) and the contact store are kept ({@code ~/.peercollab});
	 * {@code --discovery}: mDNS on the default interfaces, on loopback only, or none (no {@code NEAR_ME});
	 * {@code --consent}: the policy for launching applications ({@code decline} by default; {@code ask}: a prompt on
	 * this console, {@link ConsentHook#prompt}). One agent runs per
	 * directory: a second one exits at once. SIGTERM stops the agent as if an application asked (its socket file is
	 * removed, its collaboration closed) before the process ends.
	 */
	public static void main(String[] args) throws Exception {
		AgentSettings settings = AgentSettings.defaults();
		Path home = Path.of(System.getProperty("user.home"), ".peercollab");
		String classifier = System.getProperty("user.name", "me");
		String nickname = null;
		String host = null;
		int port = 0;
		String discovery = "default";
		boolean durable = true;
		PeerScope signIn = null;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--dir" -> settings = settings.directory(Path.of(args[++i]));
				case "--tcp" -> settings = settings.channel(AgentSettings.Channel.LOOPBACK_TCP);
				case "--home" -> home = Path.of(args[++i]);
				case "--classifier" -> classifier = args[++i];
				case "--nickname" -> nickname = args[++i];
				case "--host" -> host = args[++i];
				case "--port" -> port = Integer.parseInt(args[++i]);
				case "--discovery" -> discovery = args[++i];
				case "--in-memory-store" -> durable = false;
				case "--consent" -> settings = settings.consent(switch (args[++i]) {
					case "accept" -> ConsentHook.ACCEPT;
					case "decline" -> ConsentHook.DECLINE;
					case "ask" -> ConsentHook.prompt(new BufferedReader(new InputStreamReader(System.in,
							Charset.defaultCharset())), System.out);
					default -> throw new IllegalArgumentException("--consent must be accept, decline or ask, was "
							+ args[i]);
				});
				case "--launch-timeout" -> settings = settings.launchTimeout(Duration.ofSeconds(Long.parseLong(args[++i])));
				case "--sign-in" -> signIn = PeerScope.valueOf(args[++i]);
				default -> throw new IllegalArgumentException("unknown option " + args[i]);
			}
		}
		Path dir = AgentFiles.prepareDirectory(settings.directory());
		FileChannel lockFile = FileChannel.open(dir.resolve(AgentFiles.LOCK), StandardOpenOption.CREATE,
				StandardOpenOption.WRITE);
		FileLock lock = lockFile.tryLock();
		if (lock == null) {
			lockFile.close();
			System.err.println("an agent already runs in " + dir);
			return;
		}
		AgentFiles.prepareDirectory(home);
		String password = System.getenv("PEERCOLLAB_AGENT_PASSWORD");
		PeerIdentity identity = PeerIdentity.loadOrGenerate(home.resolve("identity.p12"),
				(password == null ? "" : password).toCharArray(), classifier);
		RSocketPeerTransport transport = RSocketPeerTransport.tcp().port(port);
		if (host != null) {
			transport = transport.host(host);
		}
		PeerCollaboration.Builder builder = PeerCollaboration.builder().identity(identity).transport(transport)
				.contactStore(durable ? ContactStores.h2(home.resolve("store")) : ContactStores.inMemory());
		if (nickname != null) {
			builder = builder.nickname(nickname);
		}
		switch (discovery) {
			case "default" -> builder = builder.discovery(MdnsDiscovery.defaultInterfaces());
			case "loopback" -> builder = builder.discovery(MdnsDiscovery.onLoopback());
			case "none" -> { }
			default -> throw new IllegalArgumentException("--discovery must be default, loopback or none");
		}
		// the process lives on this one non-daemon thread (the network's threads are daemons) until the agent stops;
		// main returns at once and no thread waits for the stop
		Scheduler lifetime = Schedulers.newSingle("peercollab-agent", false);
		lifetime.schedule(() -> { });
		PeerScope scope = signIn;
		AtomicReference<Thread> onSignal = new AtomicReference<>();
		start(builder.build(), settings)
				.doOnNext(agent -> onSignal.set(stopOnExit(agent)))
				.flatMap(agent -> (scope == null ? Mono.<Void>empty() : agent.server.signIn(scope))
						.then(Mono.fromRunnable(() -> System.out.println("peercollab-agent listening in " + dir
								+ " as " + identity.name())))
						.then(agent.onStop()))
				.doFinally(s -> {
					Thread hook = onSignal.get();
					if (hook != null && Thread.currentThread() != hook) {
						try {
							Runtime.getRuntime().removeShutdownHook(hook);
						}
						catch (IllegalStateException e) {
							// the JVM is ending already: the hook runs, and finds the agent stopped
						}
					}
					try {
						lock.release();
						lockFile.close();
					}
					catch (IOException e) {
						System.err.println("peercollab-agent: cannot release " + AgentFiles.LOCK + ": " + e);
					}
					lifetime.dispose();
				})
				.subscribe(null, e -> {
					System.err.println("peercollab-agent stopped: " + e);
					System.exit(1);
				});
	}

	/**
	 * What SIGTERM (or SIGINT, or any other end of the JVM) does to a running agent: it stops as if asked, so that no
	 * socket or port file is left behind and peers see it sign out. The stop is subscribed like any other; the hook's
	 * own thread (the JVM's, never a Reactor thread) then holds the JVM until the stop has signalled, at most
	 * {@link #STOP_ON_EXIT}, because the JVM ends as soon as its hooks return.
	 */
	private static Thread stopOnExit(PeerCollabAgent agent) {
		Thread hook = new Thread(() -> {
			if (agent.server.isDisposed()) {
				return; // stopped already, by an application's request
			}
			System.out.println("peercollab-agent stopping: the process is ending");
			CountDownLatch stopped = new CountDownLatch(1);
			agent.stop().timeout(STOP_ON_EXIT).doFinally(s -> stopped.countDown()).subscribe(
					null, e -> System.err.println("peercollab-agent: stopping on exit failed: " + e),
					() -> System.out.println("peercollab-agent stopped"));
			try {
				stopped.await(STOP_ON_EXIT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}, "peercollab-agent-exit");
		Runtime.getRuntime().addShutdownHook(hook);
		return hook;
	}
}
