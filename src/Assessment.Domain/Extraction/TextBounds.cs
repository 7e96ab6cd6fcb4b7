namespace Assessment.Domain.Extraction;

/// <summary>Clause and sentence bounds of a text, computed once in one pass each way.</summary>
internal sealed class TextBounds
{
    private static readonly System.Buffers.SearchValues<char> SentenceEnds = System.Buffers.SearchValues.Create("。；;！？!?");

    private readonly int[] _clauseEnd;
    private readonly int[] _sentenceEnd;
    private readonly int[] _sentence;

    public TextBounds(string s)
    {
        ClauseStart = new int[s.Length + 1];
        SentenceStart = new int[s.Length + 1];
        _sentence = new int[s.Length + 1];
        for (int i = 1, clause = 0, sentence = 0, id = 0; i <= s.Length; i++)
        {
            if (CueBook.IsBreak(s[i - 1]))
            {
                clause = i;
            }

            if (SentenceEnds.Contains(s[i - 1]))
            {
                sentence = i;
                id++;
            }

            ClauseStart[i] = clause;
            SentenceStart[i] = sentence;
            _sentence[i] = id;
        }

        _clauseEnd = new int[s.Length + 1];
        _sentenceEnd = new int[s.Length + 1];
        for (int i = s.Length, clause = s.Length, sentence = s.Length; i >= 0; i--)
        {
            if (i < s.Length && CueBook.IsBreak(s[i]))
            {
                clause = i;
            }

            if (i < s.Length && SentenceEnds.Contains(s[i]))
            {
                sentence = i;
            }

            _clauseEnd[i] = clause;
            _sentenceEnd[i] = sentence;
        }
    }

    /// <summary>Where the clause holding position i starts (after the last break before i).</summary>
    public int[] ClauseStart { get; }

    public int[] SentenceStart { get; }

    /// <summary>Where the clause holding position i ends (at the next break from i on).</summary>
    public int ClauseEnd(int i) => _clauseEnd[i];

    public int SentenceEnd(int i) => _sentenceEnd[i];

    /// <summary>The sentence a position belongs to, as a number.</summary>
    public int Sentence(int i) => _sentence[i];
}
