// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where the per-user agent listens and how it behaves; immutable: each method returns a copy with that setting.
 *
 * <p>The agent's directory holds the local channel (a Unix domain socket {@code agent.sock}, or on loopback TCP the
 * port in {@code agent.port}), the per-user secret {@code agent.secret} that a client presents when it attaches, and
 * the agent's log. The directory is made readable by its owner only ({@code rwx------}); the agent refuses one that
 * others can read, and a client refuses a secret file that others can read.
 */
public final class AgentSettings {

	/** The local channel. */
	public enum Channel {
		/** A Unix domain socket, {@code rw-------}, in a {@code rwx------} directory. */
		UNIX_DOMAIN,
		/** Loopback TCP on a port chosen by the system; a client must present the per-user secret. */
		LOOPBACK_TCP
	}

	private final Path directory;
	private final Channel channel;
	private final ConsentHook consent;
	private final Duration launchTimeout;
	private final Duration startTimeout;
	private final List<String> agentArguments;

	private AgentSettings(Path directory, Channel channel, ConsentHook consent, Duration launchTimeout,
			Duration startTimeout, List<String> agentArguments) {
		this.directory = directory;
		this.channel = channel;
		this.consent = consent;
		this.launchTimeout = launchTimeout;
		this.startTimeout = startTimeout;
		this.agentArguments = agentArguments;
	}

	/**
	 * The environment variable naming the agent directory of {@link #defaults()}. The agent sets it (with
	 * {@value #CHANNEL_VARIABLE}) for the applications it launches, so that they attach to the agent that launched
	 * them; it says where the agent is, nothing of the invitation.
	 */
	public static final String DIRECTORY_VARIABLE = "PEERCOLLAB_AGENT_DIR";

	/** The environment variable naming the channel of {@link #defaults()}: {@code UNIX_DOMAIN} or {@code LOOPBACK_TCP}. */
	public static final String CHANNEL_VARIABLE = "PEERCOLLAB_AGENT_CHANNEL";

	/**
	 * @return the defaults: the directory of the system property {@code peercollab.agent.dir}, else of the environment
	 * variable {@value #DIRECTORY_VARIABLE}, else {@code $XDG_RUNTIME_DIR/peercollab-agent}, else
	 * {@code ~/.peercollab/agent}; the channel of {@value #CHANNEL_VARIABLE}, else a Unix domain socket;
	 * {@link ConsentHook#DECLINE}, a launch timeout of 60 s and a start timeout of 30 s
	 * @throws IllegalArgumentException if {@value #CHANNEL_VARIABLE} names no channel
	 */
	public static AgentSettings defaults() {
		String chosen = System.getProperty("peercollab.agent.dir");
		if (chosen == null || chosen.isEmpty()) {
			chosen = System.getenv(DIRECTORY_VARIABLE);
		}
		String runtime = System.getenv("XDG_RUNTIME_DIR");
		Path dir = chosen != null && !chosen.isEmpty() ? Path.of(chosen)
				: runtime != null && !runtime.isEmpty() ? Path.of(runtime, "peercollab-agent")
						: Path.of(System.getProperty("user.home"), ".peercollab", "agent");
		String channel = System.getenv(CHANNEL_VARIABLE);
		Channel ch;
		try {
			ch = channel == null || channel.isEmpty() ? Channel.UNIX_DOMAIN : Channel.valueOf(channel);
		}
		catch (IllegalArgumentException e) {
			throw new IllegalArgumentException(CHANNEL_VARIABLE + " must be UNIX_DOMAIN or LOOPBACK_TCP, was "
					+ channel, e);
		}
		return new AgentSettings(dir, ch, ConsentHook.DECLINE, Duration.ofSeconds(60), Duration.ofSeconds(30),
				List.of());
	}

	/** @return a copy with this agent directory; a Unix socket path must stay under 108 bytes */
	public AgentSettings directory(Path directory) {
		return new AgentSettings(Objects.requireNonNull(directory, "directory"), channel, consent, launchTimeout,
				startTimeout, agentArguments);
	}

	/** @return a copy with this local channel */
	public AgentSettings channel(Channel channel) {
		return new AgentSettings(directory, Objects.requireNonNull(channel, "channel"), consent, launchTimeout,
				startTimeout, agentArguments);
	}

	/** @return a copy with this consent hook, asked before launching an application for an invitation */
	public AgentSettings consent(ConsentHook consent) {
		return new AgentSettings(directory, channel, Objects.requireNonNull(consent, "consent"), launchTimeout,
				startTimeout, agentArguments);
	}

	/**
	 * @return a copy where an accepted invitation's session waits this long for the launched application to attach;
	 * past it the agent closes the session (the inviter's side completes)
	 */
	public AgentSettings launchTimeout(Duration timeout) {
		return new AgentSettings(directory, channel, consent, positive(timeout, "launchTimeout"), startTimeout,
				agentArguments);
	}

	/** @return a copy where attaching waits this long for an agent it started to listen */
	public AgentSettings startTimeout(Duration timeout) {
		return new AgentSettings(directory, channel, consent, launchTimeout, positive(timeout, "startTimeout"),
				agentArguments);
	}

	/**
	 * @return a copy with the command-line options given to an agent that attaching starts (see
	 * {@link PeerCollabAgent#main(String[])}); {@code --dir} and the channel are added from these settings
	 */
	public AgentSettings agentArguments(List<String> arguments) {
		return new AgentSettings(directory, channel, consent, launchTimeout, startTimeout, List.copyOf(arguments));
	}

	/** @return the agent directory */
	public Path directory() {
		return directory;
	}

	/** @return the local channel */
	public Channel channel() {
		return channel;
	}

	/** @return the consent hook */
	public ConsentHook consent() {
		return consent;
	}

	/** @return how long a launched application's session waits for it */
	public Duration launchTimeout() {
		return launchTimeout;
	}

	/** @return how long attaching waits for an agent it started */
	public Duration startTimeout() {
		return startTimeout;
	}

	/** @return the options given to an agent that attaching starts */
	public List<String> agentArguments() {
		return agentArguments;
	}

	private static Duration positive(Duration d, String name) {
		Objects.requireNonNull(d, name);
		if (d.isZero() || d.isNegative()) {
			throw new IllegalArgumentException(name + " must be positive, was " + d);
		}
		return d;
	}
}
