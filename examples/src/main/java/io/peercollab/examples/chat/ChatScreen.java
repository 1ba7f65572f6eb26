// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;
import org.jline.utils.Status;

/**
 * The chat's terminal, through JLine: a line editor with history across runs and tab completion, event lines printed
 * above the line being typed, in colour, and a status line at the bottom.
 *
 * <p>On a dumb terminal (input or output not a terminal: a pipe, a script, a test) it degrades to plain text: no
 * prompt, no colour, no status line; one line in, one line out. Lines may be printed from any thread.
 */
final class ChatScreen implements AutoCloseable {

	private static final AttributedStyle EVENT = AttributedStyle.DEFAULT.foreground(AttributedStyle.CYAN);
	private static final AttributedStyle ALERT = AttributedStyle.BOLD.foreground(AttributedStyle.YELLOW);
	private static final AttributedStyle ERROR = AttributedStyle.BOLD.foreground(AttributedStyle.RED);
	private static final AttributedStyle NICKNAME = AttributedStyle.BOLD.foreground(AttributedStyle.GREEN);
	private static final AttributedStyle STATUS = AttributedStyle.INVERSE;

	private final Terminal terminal;
	private final LineReader reader;
	private final boolean dumb;
	private final Status status; // null where the terminal cannot keep a status line
	private final Object statusLock = new Object();

	/**
	 * @param terminal where the chat reads and writes; closed by {@link #close()}
	 * @param history the history file, kept across runs, or {@code null} for none
	 * @param completions for a command's argument (the command as typed, first word), the words that may follow
	 * @param commands the command names, completed in the first word
	 */
	ChatScreen(Terminal terminal, Path history, Collection<String> commands,
			Function<String, Collection<String>> completions) {
		this.terminal = terminal;
		this.dumb = Terminal.TYPE_DUMB.equals(terminal.getType())
				|| Terminal.TYPE_DUMB_COLOR.equals(terminal.getType());
		DefaultParser parser = new DefaultParser();
		// A chat line is text, not shell syntax: an apostrophe opens no quote that waits for a second line.
		parser.setEofOnUnclosedQuote(false);
		parser.setEofOnEscapedNewLine(false);
		LineReaderBuilder builder = LineReaderBuilder.builder().terminal(terminal).appName("peercollab-chat")
				.parser(parser)
				.completer(new CommandCompleter(commands, completions))
				// "!" starts many a chat line; it must not be history expansion
				.option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
				.option(LineReader.Option.HISTORY_IGNORE_DUPS, true);
		if (history != null) {
			builder.variable(LineReader.HISTORY_FILE, history).variable(LineReader.HISTORY_FILE_SIZE, 1_000);
		}
		this.reader = builder.build();
		this.status = dumb ? null : Status.getStatus(terminal);
	}

	/** Whether this terminal shows plain text only (no prompt, colour or status line). */
	boolean dumb() {
		return dumb;
	}

	/** The next line typed, or {@code null} at the end of input or on Ctrl-C / Ctrl-D (the chat then quits). */
	String readLine(String prompt) {
		try {
			return reader.readLine(dumb ? "" : prompt);
		}
		catch (EndOfFileException | UserInterruptException e) {
			return null;
		}
	}

	/**
	 * Prints a line above the one being typed, styled by what it starts with: {@code error:} red, {@code !} (an
	 * invitation or its answer) yellow, {@code *} (an event) cyan, {@code <nickname>} the sender in green.
	 */
	void println(String line) {
		reader.printAbove(styled(line));
	}

	/** Shows {@code text} on the status line, where the terminal has one; safe from any thread. */
	void status(Supplier<String> text) {
		if (status == null) {
			return;
		}
		synchronized (statusLock) {
			status.update(List.of(new AttributedString(" " + text.get(), STATUS)));
		}
	}

	/** Saves the history, removes the status line and closes the terminal. */
	@Override
	public void close() {
		try {
			reader.getHistory().save();
		}
		catch (IOException e) {
			println("error: cannot save the history: " + e.getMessage());
		}
		if (status != null) {
			synchronized (statusLock) {
				status.update(List.of());
				status.close();
			}
		}
		try {
			terminal.close();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static AttributedString styled(String line) {
		AttributedStringBuilder b = new AttributedStringBuilder();
		if (line.startsWith("error:")) {
			b.styled(ERROR, "error:").append(line.substring("error:".length()));
		}
		else if (line.startsWith("! ")) {
			b.styled(ALERT, line);
		}
		else if (line.startsWith("* ")) {
			b.styled(EVENT, line);
		}
		else if (line.startsWith("<") && line.indexOf("> ") > 0) {
			int end = line.indexOf("> ") + 1;
			b.styled(NICKNAME, line.substring(0, end)).append(line.substring(end));
		}
		else {
			b.append(line);
		}
		return b.toAttributedString();
	}

	/** Completes the command in the first word, and what each command takes (nicknames, statuses) in the second. */
	private record CommandCompleter(Collection<String> commands, Function<String, Collection<String>> completions)
			implements Completer {

		@Override
		public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
			if (line.wordIndex() == 0) {
				commands.forEach(c -> candidates.add(new Candidate(c)));
			}
			else if (line.wordIndex() == 1) {
				completions.apply(line.words().get(0)).forEach(w -> candidates.add(new Candidate(w)));
			}
		}
	}
}
