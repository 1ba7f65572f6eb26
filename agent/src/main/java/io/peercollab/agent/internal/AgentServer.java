// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PeerUnreachableException;
import io.peercollab.agent.AgentSettings;
import io.peercollab.agent.ConsentHook;
import io.peercollab.identity.PeerName;
import io.rsocket.ConnectionSetupPayload;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketServer;
import io.rsocket.exceptions.RejectedSetupException;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainSocketAddress;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.tcp.TcpResources;
import reactor.netty.tcp.TcpServer;

/**
 * The agent: serves one {@link PeerCollaboration} to the applications attached over the local channel. Each attached
 * application is an {@link Attached}; what it published and the sessions it holds go when it detaches or dies (its
 * connection closes). Invitations go to the attached applications that wait for them; one for a registered
 * application with a launch command that nobody waits for goes through the consent hook and, accepted, launches it.
 */
public final class AgentServer implements Disposable {

	private static final Logger log = LoggerFactory.getLogger(AgentServer.class);

	/** Invitations that wait for an attached application to subscribe, at most. */
	static final int BACKLOG = 256;

	/** How long an ended invitation is still known by its key. */
	static final Duration ENDED_KEPT = Duration.ofMinutes(1);

	final PeerCollaboration collab;
	private final AgentSettings settings;
	private final byte[] secret;
	private final Launcher launcher;
	private final AtomicLong seq = new AtomicLong();
	/** Who last set each object: it goes with that application. */
	private final Map<UUID, Attached> objectOwners = new ConcurrentHashMap<>();
	final Map<String, Held> sessions = new ConcurrentHashMap<>();
	final Map<String, Invitation> invitations = new ConcurrentHashMap<>();
	private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
	private final Set<Attached> attached = ConcurrentHashMap.newKeySet();
	private final Queue<Invitation> backlog = new ConcurrentLinkedQueue<>();
	/** Held while an invitation is routed and while a subscriber joins and takes what was kept: {@link #route}. */
	private final Object routing = new Object();
	private final Sinks.Empty<Void> stopped = Sinks.empty();
	private volatile @Nullable CloseableChannel channel;
	private volatile @Nullable Disposable invitationFeed;

	/** A session held for an attached application (or for one being launched), with who holds it. */
	static final class Held {
		final CollaborationSession session;
		volatile @Nullable Attached owner;

		Held(CollaborationSession session, @Nullable Attached owner) {
			this.session = session;
			this.owner = owner;
		}
	}

	private record Subscriber(Attached app, Sinks.Many<Invitation> sink) {
	}

	private AgentServer(PeerCollaboration collab, AgentSettings settings, String secret) {
		this.collab = collab;
		this.settings = settings;
		this.secret = secret.getBytes(StandardCharsets.UTF_8);
		this.launcher = new Launcher(settings.directory(), settings.channel(), settings.launchTimeout(),
				this::launchExpired);
	}

	/**
	 * Prepares the directory, writes a new secret and listens on the local channel.
	 *
	 * @return the running agent
	 */
	public static Mono<AgentServer> start(PeerCollaboration collab, AgentSettings settings) {
		return Mono.fromCallable(() -> {
			Path dir = AgentFiles.prepareDirectory(settings.directory());
			String secret = AgentFiles.writeSecret(dir);
			return new AgentServer(collab, settings, secret);
		}).subscribeOn(Schedulers.boundedElastic()).flatMap(AgentServer::bind);
	}

	private Mono<AgentServer> bind() {
		Path dir = settings.directory();
		TcpServer tcp;
		if (settings.channel() == AgentSettings.Channel.UNIX_DOMAIN) {
			Path socket = dir.resolve(AgentFiles.SOCKET);
			try {
				Files.deleteIfExists(socket);
			}
			catch (IOException e) {
				return Mono.error(e);
			}
			if (Epoll.isAvailable()) {
				// epoll tells who connected (SO_PEERCRED): another user is closed at once, and an application's claimed
				// process id must be its own (PeerCredentialCheck)
				int uid;
				try {
					uid = (Integer) Files.getAttribute(dir.resolve(AgentFiles.SECRET), "unix:uid");
				}
				catch (IOException | UnsupportedOperationException e) {
					return Mono.error(e);
				}
				tcp = TcpServer.create().runOn(TcpResources.get(), true)
						.bindAddress(() -> new DomainSocketAddress(socket.toString()))
						.doOnConnection(c -> PeerCredentialCheck.install(c.channel(), uid));
			}
			else {
				// Java's own domain sockets on NIO (Netty 4.2): the peer is not told; the directory and the secret decide
				tcp = TcpServer.create().runOn(TcpResources.get(), false)
						.bindAddress(() -> UnixDomainSocketAddress.of(socket));
			}
		}
		else {
			tcp = TcpServer.create().bindAddress(() -> new InetSocketAddress("127.0.0.1", 0));
		}
		return RSocketServer.create(this::accept).maxInboundPayloadSize(LocalWire.MAX_FRAME)
				.bind(TcpServerTransport.create(tcp, LocalWire.MAX_FRAME)).flatMap(ch -> Mono.fromCallable(() -> {
					channel = ch;
					if (settings.channel() == AgentSettings.Channel.UNIX_DOMAIN) {
						AgentFiles.makePrivate(dir.resolve(AgentFiles.SOCKET));
						Files.deleteIfExists(dir.resolve(AgentFiles.PORT));
					}
					else {
						AgentFiles.writePrivate(dir.resolve(AgentFiles.PORT), Integer.toString(ch.address().getPort()));
					}
					invitationFeed = collab.invitations().subscribe(this::arrived,
							e -> log.warn("the agent's invitations ended: {}", e.toString()));
					return this;
				}).subscribeOn(Schedulers.boundedElastic()));
	}

	/** @return where the agent listens on loopback TCP, or empty on a Unix domain socket */
	public Optional<InetSocketAddress> tcpAddress() {
		CloseableChannel ch = channel;
		return settings.channel() == AgentSettings.Channel.LOOPBACK_TCP && ch != null ? Optional.of(ch.address())
				: Optional.empty();
	}

	/** @return completes when the agent has stopped, whoever asked */
	public Mono<Void> onStop() {
		return stopped.asMono();
	}

	/** Stops listening, detaches every application and closes the collaboration. */
	public Mono<Void> stop() {
		return Mono.defer(() -> {
			Disposable feed = invitationFeed;
			if (feed != null) {
				feed.dispose();
			}
			CloseableChannel ch = channel;
			if (ch != null) {
				ch.dispose();
			}
			launcher.dispose();
			return collab.close();
		}).then(Mono.fromRunnable(() -> {
			try {
				Files.deleteIfExists(settings.directory().resolve(AgentFiles.SOCKET));
				Files.deleteIfExists(settings.directory().resolve(AgentFiles.PORT));
			}
			catch (IOException e) {
				log.debug("cannot remove the agent's socket: {}", e.toString());
			}
			stopped.tryEmitEmpty();
		}).subscribeOn(Schedulers.boundedElastic())).then();
	}

	/** For the agent's {@code main}: signs in to {@code scope} before any application attaches. */
	public Mono<Void> signIn(PeerScope scope) {
		return collab.signIn(scope);
	}

	@Override
	public void dispose() {
		stop().subscribe();
	}

	@Override
	public boolean isDisposed() {
		return channel == null || channel.isDisposed();
	}

	// ----- attaching -----------------------------------------------------------------------------------------------

	private Mono<RSocket> accept(ConnectionSetupPayload setup, RSocket client) {
		LocalWire.Hello hello;
		try {
			hello = LocalWire.read(setup.retain(), LocalWire.Hello.class);
		}
		catch (RuntimeException e) {
			return Mono.error(new RejectedSetupException("malformed hello: " + e.getMessage()));
		}
		if (hello.secret() == null
				|| !MessageDigest.isEqual(secret, hello.secret().getBytes(StandardCharsets.UTF_8))) {
			log.warn("refused an application that did not present the agent's secret");
			return Mono.error(new RejectedSetupException(
					"the agent's secret is missing or wrong: read it from " + AgentFiles.SECRET));
		}
		Attached app = new Attached(this, hello.pid());
		attached.add(app);
		client.onClose().doFinally(s -> detached(app)).subscribe(null, e -> { });
		return Mono.just(app);
	}

	/** What goes with an application that detaches or dies: its objects, its sessions, its invitation stream. */
	void detached(Attached app) {
		attached.remove(app);
		subscribers.removeIf(s -> s.app() == app);
		for (Map.Entry<UUID, Attached> e : objectOwners.entrySet()) {
			if (e.getValue() == app && objectOwners.remove(e.getKey(), app)) {
				Mono<Void> removal = e.getKey().equals(PeerObject.USER_PICTURE_ID) ? collab.clearUserPicture()
						: collab.deleteObject(e.getKey());
				removal.onErrorResume(t -> Mono.empty()).subscribe();
			}
		}
		sessions.values().removeIf(h -> {
			if (h.owner == app) {
				h.session.dispose();
				return true;
			}
			return false;
		});
	}

	/** Peers near me the agent showed, at most this many (the least recently shown forgotten first). */
	static final int NEAR_KEPT = 1_024;

	/** The peer near me of each name last shown to an application: a handle on it reaches it as the agent saw it. */
	private final Map<PeerName, PeerNearMe> near = Collections.synchronizedMap(
			new LinkedHashMap<>(16, 0.75f, true) {
				@Override
				protected boolean removeEldestEntry(Map.Entry<PeerName, PeerNearMe> eldest) {
					return size() > NEAR_KEPT;
				}
			});

	/** @return {@code p} as shown to an application; remembered, so that its handle reaches this one */
	LocalWire.NearPeer shown(PeerNearMe p) {
		near.put(p.name(), p);
		return LocalWire.NearPeer.of(p);
	}

	/** @return the peer near me of this name the agent showed last, or {@code null} */
	@Nullable PeerNearMe nearPeer(PeerName name) {
		return near.get(name);
	}

	void ownObject(UUID id, Attached app) {
		objectOwners.put(id, app);
	}

	void disownObject(UUID id) {
		objectOwners.remove(id);
	}

	/** @return the launch for the attaching process, its session now held for it, if the agent launched it */
	LocalWire.@Nullable Launch claimLaunch(long pid, Attached app) {
		Launcher.Pending launch = launcher.claim(pid);
		if (launch == null) {
			return null;
		}
		Held held = sessions.get(launch.sessionKey());
		if (held == null) {
			return null;
		}
		held.owner = app;
		return new LocalWire.Launch(launch.invite(), sessionMessage(launch.sessionKey(), held.session));
	}

	String hold(CollaborationSession session, @Nullable Attached owner) {
		// the engine hands the same session again (a host inviting into the session it hosts): the same key, so
		// that the application sees one session object too
		if (owner != null) {
			for (Map.Entry<String, Held> e : sessions.entrySet()) {
				if (e.getValue().session == session && e.getValue().owner == owner) {
					return e.getKey();
				}
			}
		}
		String key = UUID.randomUUID().toString();
		sessions.put(key, new Held(session, owner));
		// an ended session is kept a minute, so that its holder's receive() and onClose() end as they would embedded
		session.onClose().onErrorResume(e -> Mono.empty()).then(Mono.delay(ENDED_KEPT))
				.doFinally(s -> sessions.remove(key)).subscribe();
		return key;
	}

	Held held(String key, Attached app) {
		Held h = sessions.get(key);
		if (h == null || h.owner != app) {
			throw new PeerUnreachableException("no session " + key + " is held for this application");
		}
		return h;
	}

	static LocalWire.Session sessionMessage(String key, CollaborationSession s) {
		List<String> members = new ArrayList<>();
		s.members().forEach(m -> members.add(m.toString()));
		return new LocalWire.Session(key, s.id(), LocalWire.App.of(s.application()), s.host().toString(), s.isHost(),
				members);
	}

	LocalWire.State state() {
		List<LocalWire.App> apps = new ArrayList<>();
		collab.applications().forEach(a -> apps.add(LocalWire.App.of(a)));
		List<LocalWire.Obj> objects = new ArrayList<>();
		collab.objects().forEach(o -> objects.add(LocalWire.Obj.of(o)));
		return new LocalWire.State(seq.incrementAndGet(), collab.name().toString(), collab.nickname(),
				collab.endPointName(), collab.machineName(), collab.signInScope(),
				LocalWire.Presence.of(collab.presence()), apps, objects, LocalWire.EndPoint.of(collab.endPoints()),
				LocalWire.EndPoint.of(collab.advertisedEndPoints()), LocalWire.Contact.shown(collab.contacts().me()));
	}

	Mono<Void> stopRequested() {
		// answer first, then stop: the asking application learns that the agent heard it
		Mono.delay(Duration.ofMillis(50)).then(stop()).subscribe(null,
				e -> log.warn("stopping the agent failed: {}", e.toString()));
		return Mono.empty();
	}

	// ----- invitations ---------------------------------------------------------------------------------------------

	Flux<Invitation> subscribe(Attached app) {
		Sinks.Many<Invitation> sink = Sinks.many().unicast().onBackpressureBuffer();
		Subscriber sub = new Subscriber(app, sink);
		return sink.asFlux().doOnSubscribe(s -> {
			// those that waited for someone to attach; joining and taking them is one step against an invitation
			// being routed meanwhile (see route), emitted after it
			List<Invitation> waited = new ArrayList<>();
			synchronized (routing) {
				subscribers.add(sub);
				for (Invitation inv : backlog) {
					// also one that ended meanwhile, as an embedded endpoint's buffer would emit it
					if (wants(sub, inv, true) && backlog.remove(inv)) {
						waited.add(inv);
					}
				}
			}
			waited.forEach(sink::tryEmitNext);
		}).doFinally(s -> subscribers.remove(sub));
	}

	private static boolean wants(Subscriber s, Invitation inv, boolean generic) {
		Set<UUID> own = s.app().registered;
		return own.contains(inv.application().id()) || generic && own.isEmpty();
	}

	private void arrived(Invitation inv) {
		String key = UUID.randomUUID().toString();
		invitations.put(key, inv);
		keys.put(inv, key);
		// an ended invitation is kept a minute, so that a late answer learns how it ended (the engine's error names
		// the state); then forgotten
		inv.outcome().then(Mono.delay(ENDED_KEPT)).doFinally(s -> {
			invitations.remove(key);
			keys.remove(inv);
			backlog.remove(inv);
		}).subscribe(null, e -> { });
		route(inv);
	}

	/**
	 * Hands an invitation to the attached applications' subscribers that want it, else launches its application or
	 * keeps it for the next subscriber. Choosing where it goes and keeping it happen under {@link #routing}, as a
	 * subscriber's joining and taking what was kept do: without that, an invitation that found no subscriber could
	 * be kept just after a new subscriber had looked at what was kept, and wait there until it expired. Emissions,
	 * launches and declines run after the lock is released.
	 */
	private void route(Invitation inv) {
		for (int attempt = 0; ; attempt++) {
			List<Subscriber> to = List.of();
			boolean launch = false;
			boolean kept = false;
			synchronized (routing) {
				// subscribers whose streams all ended as they were handed it are passed over after a few rounds
				if (attempt < 3) {
					to = targets(inv);
				}
				if (to.isEmpty()) {
					PeerApplication app = inv.application();
					// an attached application that registered it runs already: it waits for that one to
					// subscribe, never launches a second copy
					boolean running = attached.stream().anyMatch(a -> a.registered.contains(app.id()));
					launch = !running && !app.path().isEmpty();
					if (!launch && backlog.size() < BACKLOG) {
						kept = backlog.add(inv);
					}
				}
			}
			if (!to.isEmpty()) {
				boolean delivered = false;
				for (Subscriber s : to) {
					delivered |= s.sink().tryEmitNext(inv).isSuccess();
				}
				if (delivered) {
					return;
				}
				continue;
			}
			if (launch) {
				consentAndLaunch(inv, settings.consent());
			}
			else if (!kept) {
				inv.decline("no application is attached to take it").subscribe(null, e -> { });
			}
			return;
		}
	}

	/** @return the application's own subscribers (the current application), else those that take any */
	private List<Subscriber> targets(Invitation inv) {
		List<Subscriber> to = new ArrayList<>();
		for (Subscriber s : subscribers) {
			if (wants(s, inv, false)) {
				to.add(s);
			}
		}
		if (to.isEmpty()) {
			for (Subscriber s : subscribers) {
				if (wants(s, inv, true)) {
					to.add(s);
				}
			}
		}
		return to;
	}

	final Map<Invitation, String> keys = new ConcurrentHashMap<>();

	String keyOf(Invitation inv) {
		String key = keys.get(inv);
		return key != null ? key : "";
	}

	private void consentAndLaunch(Invitation inv, ConsentHook consent) {
		Mono.defer(() -> consent.ask(inv)).onErrorReturn(false).defaultIfEmpty(false).flatMap(ok -> {
			if (!ok) {
				return inv.decline("declined").then(Mono.empty());
			}
			return inv.accept().flatMap(session -> {
				String sessionKey = hold(session, null);
				LocalWire.Invite invite = Attached.invite(keyOf(inv), inv);
				return launcher.launch(inv.application(), invite, sessionKey).doOnError(e -> {
					sessions.remove(sessionKey);
					session.dispose();
				});
			});
		}).subscribe(pid -> log.info("launched {} (pid {}) for an invitation from {}", inv.application().path(), pid,
				inv.sender()), e -> log.warn("could not launch {} for an invitation from {}: {}",
				inv.application().path(), inv.sender(), e.toString()));
	}

	private void launchExpired(String sessionKey) {
		Held h = sessions.get(sessionKey);
		if (h != null && h.owner == null && sessions.remove(sessionKey, h)) {
			log.warn("the launched application did not attach within {}: its session is closed",
					settings.launchTimeout());
			h.session.dispose();
		}
	}
}
