// Charset decoding: byte inputs made with iconv-lite in legacy charsets, labelled by the HTTP
// header, by <meta>, not at all, or wrongly.
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { charsetFromContentType, charsetFromMeta, decodeHtml, normalizeCharset } from '../../../stages/html/charset.ts';
import { extractText } from '../../../stages/html/extract.ts';

const JA = '吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。';
const RU = 'Все счастливые семьи похожи друг на друга, каждая несчастливая семья несчастлива по-своему. Всё смешалось в доме Облонских.';
const ZH = '天下大势，分久必合，合久必分。周末七国分争，并入于秦。及秦灭之后，楚、汉分争，又并入于汉。汉朝自高祖斩白蛇而起义，一统天下。';
const KO = '모든 인간은 태어날 때부터 자유로우며 그 존엄과 권리에 있어 동등하다. 인간은 천부적으로 이성과 양심을 부여받았으며 서로 형제애의 정신으로 행동하여야 한다.';
const DE = 'Größere Änderungen: Die Straße führt über die Brücke, während Müller für Übersetzungen zuständig ist. Grüße aus Köln!';

const page = (body: string, head = '') => `<!doctype html><html><head>${head}<title>t</title></head><body><article><p>${body}</p></article></body></html>`;
const bytes = (s: string, cs: string) => new Uint8Array(iconv.encode(s, cs));

describe('charset labels', () => {
  it('reads the charset parameter of Content-Type and <meta> forms', () => {
    expect(charsetFromContentType('text/html; charset="Shift_JIS"')).toBe('Shift_JIS');
    expect(charsetFromContentType('text/html')).toBeNull();
    expect(charsetFromMeta(bytes('<meta charset=gbk>', 'ascii'))).toBe('gbk');
    expect(charsetFromMeta(bytes('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', 'ascii'))).toBe('windows-1251');
    expect(charsetFromMeta(bytes('<?xml version="1.0" encoding="ISO-8859-2"?><html>', 'ascii'))).toBe('ISO-8859-2');
  });
  it('normalises labels as browsers do (WHATWG aliases) and rejects unknown ones', () => {
    expect(normalizeCharset('ISO-8859-1')).toBe('windows-1252');
    expect(normalizeCharset('GB2312')).toBe('gbk');
    expect(normalizeCharset('x-sjis')).toBe('shift_jis');
    expect(normalizeCharset('no-such-charset')).toBeNull();
  });
});

describe('decodeHtml', () => {
  it('Shift_JIS labelled by the HTTP header', () => {
    const r = decodeHtml(bytes(page(JA), 'shift_jis'), 'text/html; charset=Shift_JIS');
    expect(r.charset).toBe('shift_jis');
    expect(extractText(r.text).text).toBe(JA);
  });
  it('windows-1251 labelled by <meta http-equiv>', () => {
    const html = page(RU, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">');
    const r = decodeHtml(bytes(html, 'windows-1251'), 'text/html');
    expect(r.charset).toBe('windows-1251');
    expect(r.text).toContain(RU);
  });
  it('GBK labelled gb2312 by <meta charset>', () => {
    const r = decodeHtml(bytes(page(ZH, '<meta charset="gb2312">'), 'gbk'));
    expect(r.charset).toBe('gbk');
    expect(r.text).toContain(ZH);
  });
  it('EUC-KR labelled by the header', () => {
    const r = decodeHtml(bytes(page(KO), 'euc-kr'), 'text/html;charset=EUC-KR');
    expect(r.text).toContain(KO);
  });
  it('UTF-8 mislabelled as ISO-8859-1 is decoded as UTF-8', () => {
    const r = decodeHtml(bytes(page(DE + ' ' + RU), 'utf8'), 'text/html; charset=iso-8859-1');
    expect(r.charset).toBe('utf-8');
    expect(r.text).toContain(DE);
    expect(r.text).toContain(RU);
  });
  it('windows-1251 mislabelled as UTF-8 is detected', () => {
    const long = Array.from({ length: 6 }, () => RU).join(' ');
    const r = decodeHtml(bytes(page(long, '<meta charset="utf-8">'), 'windows-1251'), 'text/html; charset=utf-8');
    expect(r.charset).toBe('windows-1251');
    expect(r.text).toContain(RU);
    expect(r.text).not.toContain('\ufffd');
  });
  it('unlabelled Shift_JIS and GBK are detected', () => {
    const ja = decodeHtml(bytes(page(Array(4).fill(JA).join('')), 'shift_jis'));
    expect(ja.text).toContain(JA);
    const zh = decodeHtml(bytes(page(Array(4).fill(ZH).join('')), 'gb18030'));
    expect(zh.text).toContain(ZH);
  });
  it('ISO-8859-2 and KOI8-R by label', () => {
    const pl = 'Zażółć gęślą jaźń - łódź płynie po rzece.';
    expect(decodeHtml(bytes(page(pl), 'iso-8859-2'), 'text/html; charset=ISO-8859-2').text).toContain(pl);
    expect(decodeHtml(bytes(page(RU), 'koi8-r'), 'text/html; charset=koi8-r').text).toContain(RU);
  });
  it('a BOM wins over a wrong label; pure ASCII is fine under any label', () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes(page(DE), 'utf8')]);
    const r = decodeHtml(withBom, 'text/html; charset=windows-1251');
    expect(r.charset).toBe('utf-8');
    expect(r.text.startsWith('<!doctype')).toBe(true);
    expect(r.text).toContain(DE);
    const utf16 = new Uint8Array([0xff, 0xfe, ...bytes(page(JA), 'utf16le')]);
    expect(decodeHtml(utf16).text).toContain(JA);
    expect(decodeHtml(bytes(page('plain ascii'), 'ascii'), 'text/html; charset=shift_jis').text).toContain('plain ascii');
  });
  it('an unknown label falls back to detection instead of failing', () => {
    const r = decodeHtml(bytes(page(DE), 'windows-1252'), 'text/html; charset=x-unknown-cs');
    expect(r.text).toContain(DE);
  });
});
