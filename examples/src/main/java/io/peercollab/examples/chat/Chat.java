// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.chat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.peercollab.AlreadyExistsException;
import io.peercollab.ChangeType;
import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationState;
import io.peercollab.IpLiterals;
import io.peercollab.LaunchInfo;
import io.peercollab.NotFoundException;
import io.peercollab.Peer;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerScope;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.contact.ContactStores;
import io.peercollab.contact.PeerContact;
import io.peercollab.dht.MainlineDht;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.RSocketPeerTransport;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A serverless terminal chat: no server, no account. Each copy finds the others near it over mDNS, shows their
 * presence, invites one into a chat, and talks to it over mutually authenticated TLS. With {@code --dht}, contacts
 * are also reached on the Internet by their key alone, through the BitTorrent Mainline DHT.
 *
 * <pre>
 * java -jar peercollab-chat.jar --nickname alice                  # the first run: makes alice's identity
 * java -jar peercollab-chat.jar                                   # later runs: the same alice, with her contacts
 * chat --nickname alice --home /tmp/alice --interface lo          # two chats on one machine, in two terminals
 * chat --nickname bob   --home /tmp/bob   --interface lo
 * chat --dht --advertise 203.0.113.7:40000                        # behind NAT, with port 40000 forwarded
 * chat --agent                                                    # through the user's shared agent
 * chat --register-launch -- --home ~/chat                        # an accepted invitation starts a chat
 * </pre>
 *
 * <p>With {@code --agent} the chat owns no endpoint: it attaches to the user's PeerCollab agent
 * ({@link PeerCollaboration#agent()}), whose identity, contacts, sign-in and presence it shares with the user's other
 * applications. {@code --register-launch} registers the chat with the agent with the command that starts it; an
 * invitation into the chat while no chat is attached then goes to the agent's consent hook and, accepted, the agent
 * starts that command: the started chat reads its {@link PeerCollaboration#launchInfo() launch information} and joins
 * the invitation's session.
 *
 * <p>It is persistent: the identity, the nickname, the contacts and the command history live in a per-user folder
 * ({@code ~/.peercollab/chat}, or {@code --home}), so that a restarted chat is the same person with the same contacts.
 *
 * <p>On a terminal it edits lines with JLine: history (arrow keys, Ctrl-R), tab completion of commands and nicknames,
 * colours, and a status line with my presence and how many peers are near me. On a dumb terminal (a pipe, a script)
 * it reads one command per line and prints one plain line per event: {@code * bob joined},
 * {@code ! invitation from bob: hi}, {@code <bob> hello}, {@code error: ...}.
 *
 * <p>Commands wait for the network with {@code block(...)}: this is a program's edge, not library code. Events (peers,
 * invitations, messages) arrive on the library's threads and are printed as they come.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, versionProvider = ChatVersion.class,
		description = "Serverless chat with the people near me (mDNS + RSocket over TLS) and, with --dht, with "
				+ "contacts anywhere (Mainline DHT).",
		footer = { "", "Once it runs, type help for its commands. On a terminal, Tab completes commands and nicknames, "
				+ "the arrow keys and Ctrl-R search the history of this and earlier runs, and Ctrl-D quits." })
public final class Chat implements Callable<Integer> {

	/** The chat as an application: every copy registers this id, so that each can invite the others into it. */
	public static final PeerApplication CHAT = PeerApplication.of(
			UUID.fromString("7c1d0f3e-52a8-4b61-9e0a-5f3c2b8d6a17"), "PeerCollab terminal chat", PeerScope.ALL);

	/** The commands, for completion. */
	private static final List<String> COMMANDS = List.of("help", "peers", "presence", "invite", "accept", "decline",
			"say", "leave", "add", "contacts", "export", "import", "quit");

	private static final Duration TIMEOUT = Duration.ofSeconds(10);
	private static final Duration START_STOP = Duration.ofSeconds(30);

	@Option(names = "--nickname", paramLabel = "NAME", description = "The name others see; kept for later runs. "
			+ "Default: the one of the last run, else the user name.")
	String nickname;

	@Option(names = { "--home", "--data-dir" }, paramLabel = "DIR", description = "Where the identity "
			+ "(identity.p12), nickname, contacts and history are kept across runs. Default: ~/.peercollab/chat.")
	Path home;

	@Option(names = "--interface", paramLabel = "NAME", description = "The network interface for discovery and "
			+ "connections (eth0, en0; lo to chat on one machine). Default: every suitable interface.")
	String networkInterface;

	@Option(names = "--password", defaultValue = "${env:PEERCOLLAB_PASSWORD:-peercollab-demo-only}",
			description = "Password of the identity file. Default: $PEERCOLLAB_PASSWORD, else a fixed password fit "
					+ "for demos only.")
	char[] password;

	@Option(names = "--service-type", hidden = true, description = "The mDNS service type, so that tests on one "
			+ "machine see only their own chats. Default: PeerCollab's.")
	String serviceType;

	@Option(names = "--port", description = "The TCP port to listen on (forward it on a NAT router for --dht). "
			+ "Default: any free port.")
	int port;

	@Option(names = "--dht", description = "Reach contacts on the Internet by their key through the BitTorrent "
			+ "Mainline DHT, and publish this chat's address there, signed, for them.")
	boolean dht;

	@Option(names = "--dht-bootstrap", paramLabel = "HOST:PORT", split = ",", description = "DHT nodes to join "
			+ "through (implies --dht). Default: the public DHT routers.")
	List<String> dhtBootstrap;

	@Option(names = "--advertise", paramLabel = "IP:PORT", split = ",", description = "Where contacts should "
			+ "connect, such as a router's public address and forwarded port, as an IP literal ([2001:db8::1]:40000 "
			+ "for IPv6; implies --dht). Default: where this chat listens.")
	List<String> advertise;

	@Option(names = "--agent", description = "Attach to this user's PeerCollab agent (started if none runs) "
			+ "instead of running an endpoint of its own: its identity, contacts, sign-in and presence are shared "
			+ "with the user's other applications, and the endpoint options are the agent's. --home keeps the "
			+ "history only.")
	boolean agent;

	@Option(names = "--register-launch", description = "Register the chat with this user's agent with the command "
			+ "that starts it (this java, this class path, --agent and the arguments after --), then exit: an invitation "
			+ "into the chat while no chat runs is then put to the agent's consent hook and, accepted, starts a chat "
			+ "that joins it.")
	boolean registerLaunch;

	@Parameters(paramLabel = "ARG", description = "With --register-launch, after --: the fixed arguments that the "
			+ "registered command adds, such as -- --home DIR.")
	List<String> launchArgs;

	@Option(names = "--input", paramLabel = "FILE", description = "Read the commands from this file or named pipe "
			+ "instead of the terminal (a chat the agent starts has none); a named pipe stays open, so writers may "
			+ "come and go. What the chat prints goes to the standard output.")
	Path input;

	private Terminal terminal; // null until call(): the system terminal
	private ChatScreen screen;
	private MdnsDiscovery discovery;
	private RSocketPeerTransport transport;
	private MainlineDht internet;
	private MainlineDht ownDht; // the DHT node this chat started, and stops

	private PeerCollaboration collab;
	private final Disposable.Composite subscriptions = Disposables.composite();
	private final Map<PeerName, String> nicknames = new ConcurrentHashMap<>();
	private final Map<PeerName, String> near = new ConcurrentHashMap<>(); // peers near me now: the status, completion
	private final Map<PeerName, String> contactNames = new ConcurrentHashMap<>(); // for completion
	private volatile String chattingWith; // the status line
	private final Deque<Invitation> invitations = new ConcurrentLinkedDeque<>();
	private final AtomicReference<CollaborationSession> session = new AtomicReference<>();
	private final Set<UUID> joined = ConcurrentHashMap.newKeySet();
	private List<PeerNearMe> listed = List.of(); // the list 'peers' printed last: what peer numbers refer to
	private volatile boolean quitting;

	/** A chat on the system's terminal, or a dumb one when input or output is not a terminal. */
	public Chat() {
	}

	/** A chat on {@code terminal} (tests: a dumb terminal over pipes); the chat closes it when it ends. */
	public Chat(Terminal terminal) {
		this.terminal = Objects.requireNonNull(terminal, "terminal");
	}

	/** Replaces the discovery that {@code --interface} would choose (tests: loopback, a service type of their own). */
	public Chat discovery(MdnsDiscovery value) {
		this.discovery = value;
		return this;
	}

	/** Replaces the transport that {@code --interface} would choose. */
	public Chat transport(RSocketPeerTransport value) {
		this.transport = value;
		return this;
	}

	/** Replaces the DHT node that {@code --dht} would start (tests: one on a test network); the caller closes it. */
	public Chat dht(MainlineDht value) {
		this.internet = value;
		return this;
	}

	/** Runs the chat on the terminal; exits 0 after {@code quit}, 1 if it could not start, 2 for bad options. */
	public static void main(String[] args) {
		// As the Maven profile and the demo run it: jmDNS and the listener on IPv4 (java -D... still decides).
		if (System.getProperty("java.net.preferIPv4Stack") == null) {
			System.setProperty("java.net.preferIPv4Stack", "true");
		}
		System.exit(new CommandLine(new Chat()).execute(args));
	}

	/** Runs until {@code quit} or the end of input; returns the exit code. */
	@Override
	public Integer call() {
		if (registerLaunch) {
			return registerLaunch();
		}
		if (launchArgs != null && !launchArgs.isEmpty()) {
			System.err.println("error: arguments (" + String.join(" ", launchArgs) + ") are for --register-launch only");
			return 2;
		}
		Path dir = home != null ? home : Path.of(System.getProperty("user.home"), ".peercollab", "chat");
		FileChannel lockFile;
		try {
			createHome(dir);
			// One chat per home: a second one would find the contact database locked, and be the same person twice.
			lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
			if (lockFile.tryLock() == null) {
				lockFile.close();
				System.err.println("error: another chat runs with the home " + dir + "; give this one its own --home");
				return 1;
			}
			if (terminal == null && input != null) {
				// read and write, so that opening a named pipe does not wait for a writer, nor ends at the last one
				InputStream in = Channels.newInputStream(FileChannel.open(input, StandardOpenOption.READ,
						StandardOpenOption.WRITE));
				terminal = new DumbTerminal("peercollab-chat", Terminal.TYPE_DUMB, in, System.out,
						StandardCharsets.UTF_8);
			}
			if (terminal == null) {
				terminal = TerminalBuilder.builder().name("peercollab-chat").system(true).build();
			}
		}
		catch (IOException | OverlappingFileLockException e) {
			System.err.println("error: cannot start in " + dir + ": " + describe(e));
			return 1;
		}
		screen = new ChatScreen(terminal, dir.resolve("history"), COMMANDS, this::completions);
		try (lockFile) {
			try {
				collab = start(dir);
			}
			catch (RuntimeException e) {
				error(e);
				return 1;
			}
			say("* I am " + collab.nickname() + " (" + collab.name() + "), listening at "
					+ hostPorts(collab.endPoints()));
			say(agent ? "* attached to my PeerCollab agent: its identity and contacts are shared by my applications"
					: "* my identity and contacts are kept in " + dir);
			if (internet != null) {
				say("* on the Internet through the Mainline DHT, reachable at "
						+ hostPorts(collab.advertisedEndPoints()));
			}
			help();
			updateStatus();
			collab.launchInfo().ifPresent(this::joinLaunch);
			for (String line; (line = screen.readLine(collab.nickname() + "> ")) != null; ) {
				if (!handle(line.strip())) {
					break;
				}
			}
			return stop();
		}
		catch (IOException e) {
			error(e); // releasing the lock: the chat has ended anyway
			return 1;
		}
		finally {
			screen.close();
		}
	}

	/** Makes the home folder if it is missing: readable by its owner only, where POSIX permissions exist. */
	private static void createHome(Path dir) throws IOException {
		if (Files.isDirectory(dir)) {
			return;
		}
		Files.createDirectories(dir.toAbsolutePath().getParent());
		if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
			Files.createDirectory(dir,
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		}
		else {
			Files.createDirectory(dir);
		}
	}

	/** What may follow a command, for completion: nicknames of peers near me or contacts, statuses. */
	private Collection<String> completions(String command) {
		Collection<String> words = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
		switch (command) {
			case "invite" -> {
				words.addAll(near.values());
				words.addAll(contactNames.values());
			}
			case "add" -> words.addAll(near.values());
			case "presence" -> Arrays.stream(PresenceStatus.values()).filter(s -> s != PresenceStatus.OFFLINE)
					.forEach(s -> words.add(s.name().toLowerCase(Locale.ROOT)));
			default -> {
				// no argument, or a file name or free text
			}
		}
		words.removeIf(w -> w.isBlank() || w.chars().anyMatch(Character::isWhitespace)); // commands take one word
		return words;
	}

	/** The status line: who I am, my presence, how many peers are near me, whom I chat with. */
	private void updateStatus() {
		PeerCollaboration c = collab;
		if (c == null || quitting) {
			return;
		}
		screen.status(() -> {
			String with = chattingWith;
			int n = near.size();
			return c.nickname() + " | " + describe(c.presence()) + " | " + n + (n == 1 ? " peer" : " peers")
					+ " near me" + (with == null ? "" : " | chatting with " + with);
		});
	}

	/** The nickname: the option (then kept for later runs), else the one kept, else the user's login name. */
	private String nickname(Path dir) {
		Path file = dir.resolve("nickname");
		try {
			if (nickname != null && !nickname.isBlank()) {
				Files.writeString(file, nickname.strip() + "\n");
				return nickname.strip();
			}
			if (Files.exists(file)) {
				String kept = Files.readString(file).strip();
				if (!kept.isEmpty()) {
					return kept;
				}
			}
		}
		catch (IOException e) {
			throw new UncheckedIOException("cannot keep the nickname in " + file + ": " + describe(e), e);
		}
		return System.getProperty("user.name", "me");
	}

	/** Registers the chat's launch command with the agent and detaches; returns the exit code. */
	private int registerLaunch() {
		List<String> command = new ArrayList<>(List.of(
				Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
				Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
						.map(e -> Path.of(e).toAbsolutePath().toString())
						.collect(Collectors.joining(File.pathSeparator)),
				Chat.class.getName(), "--agent"));
		if (launchArgs != null) {
			command.addAll(launchArgs);
		}
		PeerApplication launched = new PeerApplication(CHAT.id(), CHAT.description(), null, CHAT.scope(),
				command.get(0), command.subList(1, command.size()));
		try {
			PeerCollaboration c = PeerCollaboration.agent().block(START_STOP);
			// the launch command replaces any earlier registration of the chat (one without a command included)
			c.unregisterApplication(CHAT.id()).onErrorResume(NotFoundException.class, e -> Mono.empty())
					.then(c.registerApplication(launched))
					.then(c.close())
					.block(START_STOP);
			System.out.println("* registered the chat with my PeerCollab agent: an accepted invitation starts "
					+ String.join(" ", command.subList(0, 2)) + " (this class path) "
					+ String.join(" ", command.subList(3, command.size())));
			return 0;
		}
		catch (RuntimeException e) {
			System.err.println("error: cannot register the chat with the agent: " + describe(e));
			return 1;
		}
	}

	/** Attaches to the user's agent and joins in: the chat is registered, the agent signed in. */
	private PeerCollaboration attach() {
		PeerCollaboration c = PeerCollaboration.agent().block(START_STOP);
		try {
			// kept with the agent's launch command, if it has one (a second registration fails: the first stays)
			c.registerApplication(CHAT).onErrorResume(AlreadyExistsException.class, e -> Mono.empty())
					.then(c.signInScope() == PeerScope.NONE ? c.signIn(PeerScope.ALL) : Mono.empty())
					.block(START_STOP);
		}
		catch (RuntimeException e) {
			c.close().onErrorResume(x -> Mono.empty()).block(START_STOP);
			throw e;
		}
		return c;
	}

	private PeerCollaboration start(Path dir) {
		if (agent) {
			return follow(attach());
		}
		String name = nickname(dir);
		// One interface for both: mDNS announces the transport's port, so the transport must listen where mDNS runs.
		MdnsDiscovery mdns = discovery != null ? discovery
				: networkInterface != null ? MdnsDiscovery.onInterfaces(networkInterface)
						: MdnsDiscovery.defaultInterfaces();
		if (discovery == null && serviceType != null) {
			mdns = mdns.serviceType(serviceType);
		}
		RSocketPeerTransport tcp = transport != null ? transport
				: RSocketPeerTransport.tcp().host(networkInterface != null ? ipv4(networkInterface) : "0.0.0.0")
						.port(port);
		PeerCollaboration.Builder builder = PeerCollaboration.builder()
				// the identity file is the user's: made once and saved, loaded on every later run
				.identity(PeerIdentity.loadOrGenerate(dir.resolve("identity.p12"), password,
						// the nickname becomes the classifier of this endpoint's PeerName, which allows no white space
						name.replaceAll("\\s+", "-")))
				.nickname(name)
				.contactStore(ContactStores.h2(dir.resolve("contacts")))
				.discovery(mdns)
				.transport(tcp);
		if (internet == null && (dht || dhtBootstrap != null || advertise != null)) {
			MainlineDht.Builder b = MainlineDht.builder();
			if (dhtBootstrap != null) {
				b = b.bootstrapNodes(dhtBootstrap.stream()
						.map(a -> option("--dht-bootstrap", a, IpLiterals::parseHostAndPort)).toList());
			}
			internet = ownDht = b.build();
		}
		if (internet != null) {
			builder = builder.nameResolver(internet).namePublisher(internet);
		}
		if (advertise != null) {
			builder = builder.advertisedEndPoints(advertise.stream()
					.map(a -> PeerEndPoint.of(option("--advertise", a, IpLiterals::parseSocketAddress))).toList());
		}
		PeerCollaboration c = builder.build();
		try {
			// Registrations are kept in the contact store: from the second run on, the chat is registered already.
			c.registerApplication(CHAT).onErrorResume(AlreadyExistsException.class, e -> Mono.empty())
					.then(c.signIn(PeerScope.ALL))
					.block(START_STOP);
		}
		catch (RuntimeException e) {
			c.close().onErrorResume(x -> Mono.empty()).block(START_STOP);
			throw e;
		}
		return follow(c);
	}

	/** Prints the peers near me and the invitations as they come, and keeps the contacts' names for completion. */
	private PeerCollaboration follow(PeerCollaboration c) {
		subscriptions.add(c.peersNearMe().subscribe(this::onPeer, this::error));
		subscriptions.add(c.invitations().subscribe(this::onInvitation, this::error));
		subscriptions.add(c.contacts().changes().subscribe(change -> {
			PeerContact contact = change.contact();
			if (change.type() == ChangeType.REMOVED) {
				contactNames.remove(contact.name());
			}
			else {
				contactNames.put(contact.name(),
						contact.nickname().isEmpty() ? contact.name().classifier() : contact.nickname());
			}
		}, this::error));
		return c;
	}

	/** An address option read by {@code parser}; its error names the option. Nothing is looked up here. */
	private static InetSocketAddress option(String option, String text, Function<String, InetSocketAddress> parser) {
		try {
			return parser.apply(text);
		}
		catch (IllegalArgumentException e) {
			throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
		}
	}

	/** The first IPv4 address of an interface ({@code lo}: 127.0.0.1): where the transport listens. */
	private static String ipv4(String interfaceName) {
		try {
			NetworkInterface ni = NetworkInterface.getByName(interfaceName);
			if (ni == null) {
				throw new IllegalArgumentException("no network interface is named '" + interfaceName + "'");
			}
			return ni.inetAddresses().filter(a -> a instanceof Inet4Address).findFirst()
					.map(InetAddress::getHostAddress)
					.orElseThrow(() -> new IllegalArgumentException(
							"network interface '" + interfaceName + "' has no IPv4 address"));
		}
		catch (SocketException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static String hostPorts(List<PeerEndPoint> endPoints) {
		return endPoints.stream().map(ep -> ep.address().toString()).collect(Collectors.joining(", "));
	}

	private int stop() {
		quitting = true; // what the shutdown itself ends (sessions, streams) is not news
		subscriptions.dispose();
		try {
			// signs out: neighbours see us leave at once, and the DHT gets a record without an address; attached to
			// the agent, it detaches (the sign-in is the agent's)
			collab.close().then(ownDht == null ? Mono.empty() : ownDht.close()).block(START_STOP);
			say(agent ? "* detached from my PeerCollab agent" : "* signed out");
			return 0;
		}
		catch (RuntimeException e) {
			say("error: " + describe(e)); // printed although quitting: it is why the exit code is 1
			return 1;
		}
	}

	// ----- commands --------------------------------------------------------------------------------------------------

	/** Runs one command line; returns false on {@code quit}. */
	private boolean handle(String line) {
		if (line.isEmpty()) {
			return true;
		}
		String[] words = line.split("\\s+", 2);
		String args = words.length > 1 ? words[1] : "";
		try {
			switch (words[0]) {
				case "help" -> help();
				case "peers" -> peers();
				case "presence" -> presence(args);
				case "invite" -> invite(args);
				case "accept" -> accept();
				case "decline" -> decline();
				case "say" -> send(args);
				case "leave" -> current().dispose();
				case "add" -> add(args);
				case "contacts" -> contacts();
				case "export" -> exportCard(args);
				case "import" -> importCard(args);
				case "quit" -> {
					return false;
				}
				default -> {
					// In a chat, a line that is not a command is a message.
					if (session.get() == null) {
						throw new IllegalArgumentException("unknown command '" + words[0] + "'; type help");
					}
					send(line);
				}
			}
		}
		catch (RuntimeException e) {
			error(e);
		}
		return true;
	}

	private void help() {
		say("""
				commands:
				  peers                       people near me, numbered, with their presence
				  presence STATUS [text]      set my presence: %s
				  invite N|NICKNAME [message] invite a peer near me, or a contact, to chat
				  accept | decline            answer the oldest invitation
				  say TEXT                    send to the chat (in a chat, any other line is sent too)
				  leave                       leave the chat
				  add N|NICKNAME              make a peer near me a contact
				  contacts                    my contacts and their presence
				  export FILE | import FILE   write my contact card; add a contact from a card
				  quit                        sign out and exit""".formatted(settableStatuses()));
	}

	private void peers() {
		List<PeerNearMe> now = nearMe();
		listed = now;
		if (now.isEmpty()) {
			say("  nobody near me yet (finding peers takes a few seconds)");
			return;
		}
		List<String> presences = presences(now, p -> p);
		for (int i = 0; i < now.size(); i++) {
			say(String.format("  %d. %-16s %s", i + 1, now.get(i).nickname(), presences.get(i)));
		}
	}

	private void presence(String args) {
		String[] words = args.split("\\s+", 2);
		PresenceStatus status;
		try {
			status = PresenceStatus.valueOf(words[0].toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException e) {
			throw new IllegalArgumentException(
					"unknown status '" + words[0] + "'; one of " + settableStatuses());
		}
		PresenceInfo presence = new PresenceInfo(status, words.length > 1 ? words[1] : "");
		collab.setPresence(presence).block(TIMEOUT);
		say("* presence " + describe(presence));
		updateStatus();
	}

	private void invite(String args) {
		String[] words = args.split("\\s+", 2);
		Peer peer = nearOrContact(words[0]);
		say("* invited " + peer.nickname() + ", waiting for an answer");
		// The answer may take minutes: wait for it in the background, so that this terminal stays usable.
		subscriptions.add(peer.invite(CHAT, words.length > 1 ? words[1] : "", null).subscribe(response -> {
			switch (response.status()) {
				case ACCEPTED -> {
					say("! " + peer.nickname() + " accepted");
					join(response.session().orElseThrow(), peer.nickname());
				}
				case DECLINED -> say("! " + peer.nickname() + " declined"
						+ (response.message().isEmpty() ? "" : ": " + response.message()));
				case EXPIRED -> say("! " + peer.nickname() + " did not answer in time");
			}
		}, e -> error("inviting " + peer.nickname() + " failed: " + describe(e))));
	}

	private void accept() {
		Invitation invitation = oldestInvitation();
		join(invitation.accept().block(TIMEOUT), invitation.senderNickname());
	}

	private void decline() {
		Invitation invitation = oldestInvitation();
		invitation.decline().block(TIMEOUT);
		say("* declined the invitation from " + invitation.senderNickname());
	}

	private Invitation oldestInvitation() {
		Invitation invitation = invitations.pollFirst();
		if (invitation == null) {
			throw new IllegalStateException("no invitation is waiting for an answer");
		}
		return invitation;
	}

	private void send(String text) {
		if (text.isBlank()) {
			throw new IllegalArgumentException("nothing to say");
		}
		current().send(text.getBytes(StandardCharsets.UTF_8)).block(TIMEOUT);
	}

	private CollaborationSession current() {
		CollaborationSession s = session.get();
		if (s == null) {
			throw new IllegalStateException("not in a chat: invite someone, or accept an invitation");
		}
		return s;
	}

	private void add(String who) {
		PeerContact contact = collab.contacts().createContact(peer(who)).block(TIMEOUT);
		say("* added " + contact.nickname() + " as a contact");
	}

	private void contacts() {
		List<PeerContact> all = collab.contacts().findAll().collectList().block(TIMEOUT);
		if (all.isEmpty()) {
			say("  no contacts yet: add a peer near me, or import a card");
			return;
		}
		// A contact is reached wherever any source finds it: near me, its card, where it was last seen, the DHT.
		List<String> presences = presences(all, collab::peer);
		for (int i = 0; i < all.size(); i++) {
			PeerContact c = all.get(i);
			say(String.format("  %-16s %s", c.nickname().isEmpty() ? c.name().classifier() : c.nickname(),
					presences.get(i)));
		}
	}

	private void exportCard(String file) {
		Path path = path(file);
		try {
			Files.writeString(path, collab.contacts().exportCard());
		}
		catch (IOException e) {
			throw new UncheckedIOException("cannot write " + path + ": " + describe(e), e);
		}
		say("* wrote my contact card to " + path);
	}

	private void importCard(String file) {
		Path path = path(file);
		String xml;
		try {
			xml = Files.readString(path);
		}
		catch (IOException e) {
			throw new UncheckedIOException("cannot read " + path + ": " + describe(e), e);
		}
		PeerContact contact = collab.contacts().importCard(xml).block(TIMEOUT);
		say("* imported " + contact.nickname() + " as a contact");
	}

	// ----- events, printed as they happen -------------------------------------------------------------------------------

	private void onPeer(PeerNearMeEvent event) {
		PeerNearMe peer = event.peer();
		String before = nicknames.put(peer.name(), peer.nickname());
		if (event.type() == ChangeType.REMOVED) {
			near.remove(peer.name());
		}
		else {
			near.put(peer.name(), peer.nickname());
		}
		updateStatus();
		switch (event.type()) {
			case ADDED -> say("* " + peer.nickname() + " joined");
			case REMOVED -> say("* " + peer.nickname() + " left");
			case UPDATED -> {
				if (before != null && !before.equals(peer.nickname())) {
					say("* " + before + " is now called " + peer.nickname());
				}
			}
		}
	}

	private void onInvitation(Invitation invitation) {
		nicknames.putIfAbsent(invitation.sender(), invitation.senderNickname());
		invitations.add(invitation);
		say("! invitation from " + invitation.senderNickname()
				+ (invitation.message().isEmpty() ? "" : ": " + invitation.message()) + " (accept or decline)");
		// An invitation can also end while it waits here: it expires, or its sender withdraws it.
		subscriptions.add(invitation.outcome().subscribe(state -> {
			if (invitations.remove(invitation)
					&& (state == InvitationState.EXPIRED || state == InvitationState.WITHDRAWN)) {
				say("! the invitation from " + invitation.senderNickname() + " " + state.name().toLowerCase(Locale.ROOT));
			}
		}));
	}

	/** A chat the agent started for an accepted invitation: says who invited, and joins the invitation's session. */
	private void joinLaunch(LaunchInfo launch) {
		String who = launch.inviterNickname().isEmpty() ? launch.inviter().classifier() : launch.inviterNickname();
		nicknames.putIfAbsent(launch.inviter(), who);
		say("! started for an invitation from " + who + (launch.message().isEmpty() ? "" : ": " + launch.message()));
		join(launch.session().block(TIMEOUT), who);
	}

	/** Makes a session the current chat and prints what it receives. */
	private void join(CollaborationSession s, String with) {
		session.set(s);
		chattingWith = with;
		updateStatus();
		// The host's session is shared by everyone it invited to the chat: follow it once.
		if (joined.add(s.id())) {
			subscriptions.add(s.receive().subscribe(
					m -> say("<" + nicknames.getOrDefault(m.from(), m.from().classifier()) + "> " + m.text()),
					this::error));
			subscriptions.add(s.onClose().subscribe(null, this::error, () -> {
				if (session.compareAndSet(s, null)) {
					chattingWith = null;
					updateStatus();
				}
				joined.remove(s.id());
				if (!quitting) {
					say("* the chat with " + with + " ended");
				}
			}));
		}
		say("* chatting with " + with + ": type to send, leave to end");
	}

	// ----- helpers ---------------------------------------------------------------------------------------------------

	/** The peers near me now, in a stable order. */
	private List<PeerNearMe> nearMe() {
		return collab.getPeersNearMe().block(TIMEOUT).stream()
				.sorted(Comparator.comparing((PeerNearMe p) -> p.nickname().toLowerCase(Locale.ROOT))
						.thenComparing(p -> p.name().toString()))
				.toList();
	}

	/**
	 * A peer near me (by number or nickname), else a contact by nickname, reached wherever it is: near me, where it
	 * was last seen, or (with {@code --dht}) through the DHT.
	 */
	private Peer nearOrContact(String who) {
		if (who.matches("\\d{1,6}") || nearMe().stream().anyMatch(p -> p.nickname().equalsIgnoreCase(who))) {
			return peer(who);
		}
		List<PeerContact> named = collab.contacts().findAll()
				.filter(c -> c.nickname().equalsIgnoreCase(who) || c.name().classifier().equalsIgnoreCase(who))
				.collectList().block(TIMEOUT);
		if (named.isEmpty()) {
			throw new IllegalArgumentException("nobody near me and no contact is called '" + who
					+ "'; type peers or contacts");
		}
		if (named.size() > 1) {
			throw new IllegalArgumentException("several contacts are called '" + who + "'");
		}
		return collab.peer(named.get(0));
	}

	/** A peer near me by its number in the last {@code peers} list, or by its nickname. */
	private PeerNearMe peer(String who) {
		if (who.isBlank()) {
			throw new IllegalArgumentException("say which peer: a number from 'peers', or a nickname");
		}
		List<PeerNearMe> now = nearMe();
		if (who.matches("\\d{1,6}")) {
			List<PeerNearMe> shown = listed.isEmpty() ? now : listed;
			int n = Integer.parseInt(who);
			if (n < 1 || n > shown.size()) {
				throw new IllegalArgumentException("no peer number " + n + "; type peers to list them");
			}
			PeerNearMe chosen = shown.get(n - 1);
			return now.stream().filter(p -> p.name().equals(chosen.name())).findFirst()
					.orElseThrow(() -> new IllegalStateException(chosen.nickname() + " is no longer near me"));
		}
		List<PeerNearMe> named = now.stream().filter(p -> p.nickname().equalsIgnoreCase(who)).toList();
		if (named.isEmpty()) {
			throw new IllegalArgumentException("no peer near me is called '" + who + "'; type peers to list them");
		}
		if (named.size() > 1) {
			throw new IllegalArgumentException("several peers near me are called '" + who + "': use their number");
		}
		return named.get(0);
	}

	/** Reads the presence of each peer over the network, all at once; one that does not answer is unreachable. */
	private static <T> List<String> presences(List<T> items, Function<T, Peer> peer) {
		return Flux.fromIterable(items)
				.flatMapSequential(item -> peer.apply(item).presence()
						.map(Chat::describe)
						.timeout(TIMEOUT)
						.onErrorReturn("unreachable"))
				.collectList()
				.block();
	}

	private static Path path(String file) {
		if (file.isBlank()) {
			throw new IllegalArgumentException("say which file");
		}
		return Path.of(file.strip());
	}

	private static String settableStatuses() {
		return Arrays.stream(PresenceStatus.values()).filter(s -> s != PresenceStatus.OFFLINE)
				.map(Enum::name).collect(Collectors.joining(", "));
	}

	private static String describe(PresenceInfo presence) {
		return presence.status() + (presence.text().isEmpty() ? "" : " (" + presence.text() + ")");
	}

	/** An error in one line a user can act on: the library's messages say what went wrong; no stack traces. */
	private static String describe(Throwable error) {
		Throwable e = Exceptions.unwrap(error);
		String message = e.getMessage();
		if (e instanceof TimeoutException || (message != null && message.startsWith("Timeout on blocking read"))) {
			return "no answer within " + TIMEOUT.toSeconds() + " s";
		}
		if (e instanceof NoSuchFileException) {
			return "no such file";
		}
		if (message == null || message.isBlank()) {
			return e.getClass().getSimpleName();
		}
		return message.replaceAll("\\s*\\R\\s*", " ");
	}

	private void error(Throwable e) {
		error(describe(e));
	}

	private void error(String message) {
		if (!quitting) {
			say("error: " + message);
		}
	}

	private void say(String line) {
		screen.println(line);
	}
}
