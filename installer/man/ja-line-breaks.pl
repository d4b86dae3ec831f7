# Makes a Japanese manual page read well in groff 1.22, which breaks lines only at spaces and
# justifies by stretching them. Japanese has no spaces, so a paragraph would run past the right
# margin ("can't break line"). This puts a zero-width break point (\:) after each Japanese
# character, except where Japanese typesetting forbids a break (禁則処理): before closing
# punctuation and small kana, after opening brackets. A source line ending in Japanese joins
# the next one without the space a newline would give, and the text is set ragged-right
# (.ad l), as Japanese text is. Headings and the NAME line stay as they are: whatis(1) and
# mandb read them.
# Usage: perl -CSD ja-line-breaks.pl PAGE > OUT
use strict;
use warnings;
use utf8;

my $cjk = qr/[\x{3000}-\x{30FF}\x{3400}-\x{9FFF}\x{F900}-\x{FAFF}\x{FF01}-\x{FF60}]/;
my $no_break_before = qr/[、。，．）」』】〕・ー：；！？ァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎ々～]/;
my $no_break_after = qr/[（「『【〔]/;

my @lines = <>;
my $in_name = 0;
for my $i (0 .. $#lines) {
    my $line = $lines[$i];
    if ($line =~ /^\.\s*S[HS]\b/) {
        $in_name = $line =~ /^\.SH\s+(名前|NAME)\s*$/;
    } elsif ($line =~ /^\.\s*TH\b/) {
        $line .= ".ad l\n";
    } elsif (!$in_name && $line !~ /^\.\s*\\"/) {
        $line =~ s/($cjk)(?=\S)(?!$no_break_before)/my $c = $1; $c =~ $no_break_after ? $c : "$c\\:"/ge;
        my $next = $i < $#lines ? $lines[$i + 1] : '';
        $line =~ s/\n\z/\\c\n/ if $line !~ /^\./ && $line =~ /$cjk\n\z/ && $next =~ /^$cjk/;
    }
    print $line;
}
