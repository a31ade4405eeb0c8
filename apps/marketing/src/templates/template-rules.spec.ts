import { cartView } from './cart-view';
import { checkTemplate, instrumentHtml, renderTemplate } from './template-rules';

describe('message templates', () => {
  it('lists the variables a template uses, sections included', () => {
    expect(
      checkTemplate('t', 'Hi {{#firstName}}{{firstName}}{{/firstName}}{{^firstName}}there{{/firstName}}, {{attributes.offer_code}}').sort(),
    ).toEqual(['attributes.offer_code', 'firstName']);
  });

  it('names an unknown variable and where it is', () => {
    expect(() => checkTemplate('input.variants[0].html', 'Hi {{fristName}}')).toThrow(
      /input.variants\[0\].html: unknown variable \{\{fristName\}\} at character 3/,
    );
  });

  it('refuses unescaped output, partials and delimiter changes', () => {
    expect(() => checkTemplate('f', 'x {{{firstName}}}')).toThrow(/unescaped output/);
    expect(() => checkTemplate('f', 'x {{&firstName}}')).toThrow(/unescaped output/);
    expect(() => checkTemplate('f', '{{> header}}')).toThrow(/partials/);
    expect(() => checkTemplate('f', '{{=<% %>=}}')).toThrow(/partials and delimiter/);
  });

  it('reports a template that does not parse', () => {
    expect(() => checkTemplate('f', 'Hi {{#firstName}} no end')).toThrow(/f: not a valid template/);
  });

  it('escapes contact data in HTML and leaves text as it is', () => {
    const view = { firstName: '<script>alert("x")</script> & Co' };
    expect(renderTemplate('<p>Hi {{firstName}}</p>', view, 'html')).toBe(
      '<p>Hi &lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt; &amp; Co</p>',
    );
    expect(renderTemplate('Hi {{firstName}}', view, 'text')).toBe('Hi <script>alert("x")</script> & Co');
  });

  it("shows a cart's lines, and names line variables only inside {{#cart.lines}}", () => {
    const source = 'Your cart ({{cart.value}} {{cart.currency}}):{{#cart.lines}} {{quantity}} × {{name}} à {{unitPrice}};{{/cart.lines}}';
    expect(checkTemplate('t', source).sort()).toEqual(['cart.currency', 'cart.lines', 'cart.value']);
    expect(() => checkTemplate('t', 'Hi {{sku}}')).toThrow(/unknown variable \{\{sku\}\} at character 3/);
    const cart = cartView({
      cartId: 'c-1',
      value: '80.00',
      currency: 'EUR',
      lines: [
        { sku: 'TEA-1', name: '<b>Tea</b>', quantity: '2', unitPrice: '40.00' },
        { sku: 'MUG', quantity: '1', unitPrice: '0.00' },
        42,
      ],
    });
    expect(renderTemplate(source, { cart }, 'text')).toBe('Your cart (80.00 EUR): 2 × <b>Tea</b> à 40.00; 1 × MUG à 0.00;');
    expect(renderTemplate('{{#cart.lines}}{{name}}{{/cart.lines}}', { cart }, 'html')).toBe('&lt;b&gt;Tea&lt;&#x2F;b&gt;MUG');
    // Not cart-triggered: nothing to show, and nothing breaks.
    expect(cartView({ contactId: 'x' })).toBeNull();
    expect(renderTemplate(source, { cart: cartView(null) }, 'text')).toBe('Your cart ( ):');
  });

  it('tracks every http(s) link and adds the open pixel', () => {
    const html =
      '<body><a href="https://shop.example.com/a?x=1&amp;y=2">A</a> <a class="b" href=\'http://b.example.com\'>B</a> <a href="mailto:x@y">M</a></body>';
    const seen: string[] = [];
    const out = instrumentHtml(
      html,
      (url) => (seen.push(url), `https://t.example.com/c/${seen.length}?q=1&r=2`),
      'https://t.example.com/o.gif',
    );
    expect(seen).toEqual(['https://shop.example.com/a?x=1&y=2', 'http://b.example.com']);
    expect(out).toContain('href="https://t.example.com/c/1?q=1&amp;r=2"');
    expect(out).toContain("href='https://t.example.com/c/2?q=1&amp;r=2'");
    expect(out).toContain('href="mailto:x@y"');
    expect(out).toMatch(/<img src="https:\/\/t.example.com\/o.gif"[^>]*><\/body>$/);
  });
});
