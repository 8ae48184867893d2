static int f(void)
{
	maxpages = want_pages_array(pages, maxsize, offset, maxpages);
}
